using System.Net;
using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>A 1.5 s deadline, and the sandbox tenant has switched the HbA1c care-gap rule off (Tenants:{id}:Rules).</summary>
public sealed class DisabledGapRuleFixture : PlatformFixture
{
    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        ["Hooks:Deadline"] = "00:00:01.500",
        [$"Tenants:{Tenant}:Rules:diabetes-hba1c-gap:Enabled"] = "false",
    };

    protected override IReadOnlyDictionary<string, string> EnrichmentSettings => new Dictionary<string, string>
    {
        [$"Tenants:{Tenant}:Rules:diabetes-hba1c-gap:Enabled"] = "false",
    };
}

/// <summary>A population gap stored before the tenant switched its rule off is not answered at patient-view.</summary>
public sealed class DisabledRuleGapTests(DisabledGapRuleFixture platform) : IClassFixture<DisabledGapRuleFixture>
{
    [Fact]
    public async Task A_stored_gap_of_a_rule_the_tenant_switched_off_is_not_answered_when_no_live_decision_comes_in_time()
    {
        var driver = platform.Driver();
        var patient = SandboxPatients.Type2DiabeticHighA1c;
        var card = new Card
        {
            Uuid = Guid.NewGuid().ToString(),
            Summary = "HbA1c overdue",
            Indicator = Indicators.Info,
            Source = new CardSource { Label = "CDS", Topic = new Coding { Code = "CDSDMHBA1CGAP", System = "urn:test:topics" } },
        };
        var finding = new Finding
        {
            RuleId = "diabetes-hba1c-gap", RuleVersion = "1.0.0", TopicCode = "CDSDMHBA1CGAP", Indicator = Indicators.Info,
            Summary = card.Summary, CardUuid = card.Uuid,
        };
        var other = card with { Uuid = Guid.NewGuid().ToString(), Source = new CardSource { Label = "CDS", Topic = new Coding { Code = "CDSOTHERGAP", System = "urn:test:topics" } } };
        var otherFinding = finding with { RuleId = "renal-dosing", TopicCode = "CDSOTHERGAP", CardUuid = other.Uuid };
        await using (var seed = platform.Store.LightweightSession(PlatformFixture.Tenant))
        {
            seed.Delete<LateResult>(patient);
            seed.Delete<WarmPatientContext>(patient);
            seed.Store(new PatientPopulationGaps
            {
                Id = patient, RunId = "run-before-the-switch", RunAt = DateTimeOffset.UtcNow.AddHours(-5),
                Gaps =
                [
                    new PrecomputedGap(finding.RuleId, finding.RuleVersion, "HbA1c above goal", null, [], card, finding),
                    new PrecomputedGap(otherFinding.RuleId, otherFinding.RuleVersion, "a rule still on", null, [], other, otherFinding),
                ],
            });
            await seed.SaveChangesAsync();
        }

        // The live decision needs the backend's Observation read, which Epic answers after the deadline.
        var slow = platform.Sandbox.Faults.Delay(TimeSpan.FromSeconds(10), "Observation");
        try
        {
            var view = driver.BuildPatientView(patient, new HookOptions { PrefetchKeys = ["patient", "conditions", "medications"] });
            using var response = await driver.SendAsync("cds-patient-view", view);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var doc = await CdsHooksAssert.ReadResponseAsync(response);
            var topics = doc.RootElement.GetProperty("cards").EnumerateArray()
                .Select(c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString()).ToList();
            Assert.DoesNotContain("CDSDMHBA1CGAP", topics);
            Assert.Contains("CDSOTHERGAP", topics); // the stored answer is still used for the rules that are on
        }
        finally
        {
            platform.Sandbox.Faults.Remove(slow);
            await using var clean = platform.Store.LightweightSession(PlatformFixture.Tenant);
            clean.Delete<PatientPopulationGaps>(patient);
            await clean.SaveChangesAsync();
        }
    }
}
