using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>
/// A hook with a 1.5 s deadline, and an Epic that is slow to answer the enrichment service's reads. The sandbox tenant
/// has switched renal dosing off (Tenants:{id}:Rules), which none of these tests expects a card of.
/// </summary>
public sealed class ShortDeadlineFixture : PlatformFixture
{
    public const string SwitchedOffRule = "renal-dosing";

    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        ["Hooks:Deadline"] = "00:00:01.500",
        [$"Tenants:{Tenant}:Rules:{SwitchedOffRule}:Enabled"] = "false",
    };

    protected override IReadOnlyDictionary<string, string> EnrichmentSettings => new Dictionary<string, string>
    {
        [$"Tenants:{Tenant}:Rules:{SwitchedOffRule}:Enabled"] = "false",
    };
}

public sealed class DeadlineTests(ShortDeadlineFixture platform) : IClassFixture<ShortDeadlineFixture>
{
    [Fact]
    public async Task A_slow_enrichment_still_answers_by_the_deadline_and_its_result_shows_on_the_next_hook()
    {
        var driver = platform.Driver();
        var patient = SandboxPatients.PenicillinAllergic;
        // The first call of a fresh host pays JIT and the first JWKS download; a deployed service has paid it long before.
        using (await driver.SendAsync("cds-patient-view", driver.BuildPatientView(SandboxPatients.NoData)))
        {
        }
        // Another test of this class may have left a late result for this patient (served on its next hook): start without.
        await ForgetAsync(patient);
        // Epic takes 10 s to answer allergy searches; the prefetch lacks allergies, so the enrichment must read them.
        var slow = platform.Sandbox.Faults.Delay(TimeSpan.FromSeconds(10), "AllergyIntolerance");
        try
        {
            var select = driver.BuildOrderSelect(patient, [DraftMedication.Parse("amoxicillin")],
                new HookOptions { PrefetchKeys = ["patient", "medications", "conditions", "labs"] });
            var selectInstance = select["hookInstance"]!.GetValue<string>();
            var clock = Stopwatch.StartNew();
            using var first = await driver.SendAsync("cds-order-select", select);
            clock.Stop();

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Empty(await Topics(first));
            // Answered by the deadline (plus the test host's own overhead), not after Epic's 10 s: the bound sits far from
            // both, so a loaded machine cannot flake it.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(7), $"answered after {clock.Elapsed.TotalMilliseconds:0} ms");

            // The enrichment finishes late and records it.
            var late = await TimelineAsync(selectInstance, t => t.EnrichedAt is not null);
            Assert.True(late.EnrichedLate);
            Assert.True(late.DeadlineMissed);
            Assert.Contains(late.Findings, f => f.TopicCode == "CDSDRUGALLERGY");

            // order-sign for the same patient: its own evaluation misses the deadline too (Epic still slow, and
            // ibuprofen has no rule), but the late order-select result is served, with its provenance.
            var sign = driver.BuildOrderSign(patient, [DraftMedication.Parse("ibuprofen")],
                new HookOptions { PrefetchKeys = ["patient", "medications", "conditions", "labs"] });
            using var second = await driver.SendAsync("cds-order-sign", sign);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            using var doc = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
            var card = Assert.Single(doc.RootElement.GetProperty("cards").EnumerateArray(),
                c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSDRUGALLERGY");
            Assert.Contains("during order-select", card.GetProperty("detail").GetString());

            // Served once: a third hook does not repeat it.
            using var third = await driver.SendAsync("cds-order-sign", driver.BuildOrderSign(patient, [DraftMedication.Parse("ibuprofen")],
                new HookOptions { PrefetchKeys = ["patient", "medications", "conditions", "labs"] }));
            Assert.DoesNotContain("CDSDRUGALLERGY", await Topics(third));
        }
        finally
        {
            platform.Sandbox.Faults.Remove(slow);
        }
    }

    [Fact]
    public async Task A_hook_whose_deadline_is_spent_before_it_could_ask_still_has_its_evaluation_sent_and_recorded()
    {
        // 1 ms: the deadline counts from the request's arrival, so authentication and reading alone spend it.
        await using var hurried = platform.Hooks.WithWebHostBuilder(b => b.UseSetting("Hooks:Deadline", "00:00:00.001"));
        var http = hurried.CreateClient();
        var driver = new EpicHookDriver(platform.Sandbox, new Uri(http.BaseAddress!, "cds-services/"), http);
        // Without allergies in the prefetch (and no time to fetch them with the hook's token) enrichment must read them:
        // no context precomputed by an earlier test of this class may fill them in the hooks process.
        await ForgetAsync(SandboxPatients.PenicillinAllergic);
        var select = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")],
            new HookOptions { PrefetchKeys = ["patient", "medications", "conditions", "labs"] });
        var instance = select["hookInstance"]!.GetValue<string>();

        using var answer = await driver.SendAsync("cds-order-select", select);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Empty(await Topics(answer));
        var timeline = await TimelineAsync(instance, t => t.EnrichedAt is not null);
        Assert.True(timeline.DeadlineMissed);
        Assert.Contains(timeline.Findings, f => f.TopicCode == "CDSDRUGALLERGY");
        // The record says what Epic got: no cards.
        await TimelineAsync(instance, t => t.CardSource is not null);
        await using var check = platform.Store.QuerySession(PlatformFixture.Tenant);
        var answered = (await check.LoadAsync<HookTimeline>(instance))!;
        Assert.Empty(answered.Cards);
        Assert.Equal(CardSources.None, answered.CardSource);
    }

    [Fact]
    public async Task An_evaluation_ended_by_its_send_bound_before_the_deadline_still_gets_its_answer_recorded()
    {
        // A deadline longer than the evaluation's own bound (or a stalled machine firing both timers at once): the
        // evaluation is cancelled first. The hook still answers (without live cards) and records that answer.
        await using var patient = platform.Hooks.WithWebHostBuilder(b => b
            .UseSetting("Hooks:Deadline", "00:00:08").UseSetting("Hooks:EvaluationSendTimeout", "00:00:01"));
        var http = patient.CreateClient();
        var driver = new EpicHookDriver(platform.Sandbox, new Uri(http.BaseAddress!, "cds-services/"), http);
        var slow = platform.Sandbox.Faults.Delay(TimeSpan.FromSeconds(10), "AllergyIntolerance");
        try
        {
            // A patient without findings: a late result with cards would be served on this patient's next hook.
            await ForgetAsync(SandboxPatients.NoData);
            var select = driver.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Parse("amoxicillin")],
                new HookOptions { PrefetchKeys = ["patient", "medications", "conditions", "labs"] });
            var instance = select["hookInstance"]!.GetValue<string>();

            using var answer = await driver.SendAsync("cds-order-select", select);

            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Empty(await Topics(answer));
            var timeline = await TimelineAsync(instance, t => t.CardSource is not null);
            Assert.Equal(CardSources.None, timeline.CardSource);
            Assert.True(timeline.DeadlineMissed);
        }
        finally
        {
            platform.Sandbox.Faults.Remove(slow);
        }
    }

    /// <summary>The hook's timeline once <paramref name="done"/> holds (the platform records asynchronously).</summary>
    [Fact]
    public async Task A_patient_view_whose_live_decision_misses_the_deadline_answers_the_population_runs_gap_with_its_age_unless_its_rule_was_switched_off()
    {
        var driver = platform.Driver();
        var patient = SandboxPatients.Type2DiabeticHighA1c;
        await ForgetAsync(patient);

        // What a population run stores for the patient: the HbA1c gap card and finding as the rules built them (taken
        // from a live patient-view), found 5 hours ago.
        var live = driver.BuildPatientView(patient);
        using (var answered = await driver.SendAsync("cds-patient-view", live))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }
        var decided = await Eventually.WaitForAsync(async () =>
        {
            await using var q = platform.Store.QuerySession(PlatformFixture.Tenant);
            var events = await q.Events.FetchStreamAsync(live["hookInstance"]!.GetValue<string>());
            return events.Select(e => e.Data).OfType<EnrichmentCompleted>().FirstOrDefault();
        });
        var finding = Assert.Single(decided.Findings, f => f.TopicCode == "CDSDMHBA1CGAP");
        var card = Assert.Single(decided.Cards, c => c.Uuid == finding.CardUuid);
        // A gap stored before the tenant switched its rule off is not answered (here: the same card, another rule's).
        var offCard = card with { Uuid = Guid.NewGuid().ToString(), Source = card.Source with { Topic = card.Source.Topic! with { Code = "CDSSWITCHEDOFF" } } };
        var offFinding = finding with { RuleId = ShortDeadlineFixture.SwitchedOffRule, TopicCode = "CDSSWITCHEDOFF", CardUuid = offCard.Uuid };
        await ForgetAsync(patient);
        await using (var seed = platform.Store.LightweightSession(PlatformFixture.Tenant))
        {
            seed.Store(new PatientPopulationGaps
            {
                Id = patient, RunId = "run-1", RunAt = DateTimeOffset.UtcNow.AddHours(-5),
                Gaps =
                [
                    new PrecomputedGap(finding.RuleId, finding.RuleVersion, "HbA1c above goal", null, finding.Evidence, card, finding),
                    new PrecomputedGap(offFinding.RuleId, offFinding.RuleVersion, "switched off since", null, [], offCard, offFinding),
                ],
            });
            await seed.SaveChangesAsync();
        }

        // Epic takes 10 s for Observations and the prefetch has no labs: the live decision needs the backend read and
        // misses the deadline, so the answer is the stored gap, saying how old it is.
        var slow = platform.Sandbox.Faults.Delay(TimeSpan.FromSeconds(10), "Observation");
        try
        {
            var view = driver.BuildPatientView(patient, new HookOptions { PrefetchKeys = ["patient", "conditions", "medications"] });
            using var response = await driver.SendAsync("cds-patient-view", view);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var doc = await CdsHooksAssert.ReadResponseAsync(response);
            var shown = Assert.Single(doc.RootElement.GetProperty("cards").EnumerateArray(),
                c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSDMHBA1CGAP");
            Assert.EndsWith("(as of 5 h ago)", shown.GetProperty("summary").GetString());
            Assert.DoesNotContain(doc.RootElement.GetProperty("cards").EnumerateArray(),
                c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSSWITCHEDOFF");
            Assert.NotEqual(card.Uuid, shown.GetProperty("uuid").GetString());
            var timeline = await TimelineAsync(view["hookInstance"]!.GetValue<string>(), t => t.CardSource is not null);
            Assert.Equal(CardSources.Cached, timeline.CardSource);
        }
        finally
        {
            platform.Sandbox.Faults.Remove(slow);
            await using var clean = platform.Store.LightweightSession(PlatformFixture.Tenant);
            clean.Delete<PatientPopulationGaps>(patient);
            await clean.SaveChangesAsync();
        }
    }

    private Task<HookTimeline> TimelineAsync(string instance, Func<HookTimeline, bool> done) => Eventually.WaitForAsync(async () =>
    {
        await using var q = platform.Store.QuerySession(PlatformFixture.Tenant);
        return await q.LoadAsync<HookTimeline>(instance) is { } t && done(t) ? t : null;
    });

    /// <summary>
    /// Starts without what other tests of this class left for the patient: a late result (served on the next hook) and
    /// a context enrichment read (it would let the hooks process decide without the slow enrichment under test).
    /// </summary>
    private async Task ForgetAsync(string patient)
    {
        await using var clean = platform.Store.LightweightSession(PlatformFixture.Tenant);
        clean.Delete<LateResult>(patient);
        clean.Delete<WarmPatientContext>(patient);
        await clean.SaveChangesAsync();
    }

    private static async Task<List<string?>> Topics(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty("cards").EnumerateArray().Select(c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString())];
    }
}
