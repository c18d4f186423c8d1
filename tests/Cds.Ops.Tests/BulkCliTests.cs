using System.Globalization;
using Cds.Rules;
using Cds.EpicSandbox;
using Cds.Fhir;
using Cds.Fhir.Patients;
using Cds.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Ops.Tests;

/// <summary>Real PostgreSQL (own schema) and a sandbox whose export has no meta.lastUpdated.</summary>
public sealed class BulkCliFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infra { get; } = new();
    public EpicSandboxServer Sandbox { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infra.InitializeAsync();
        Sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings
        {
            SeedSynthea = false, ExportThrottle = TimeSpan.FromSeconds(1),
            TypesWithoutLastUpdated = new HashSet<string>(StringComparer.Ordinal) { "Patient", "Condition", "Observation", "MedicationRequest", "AllergyIntolerance" },
        });
    }

    public async Task DisposeAsync()
    {
        await Sandbox.DisposeAsync();
        await Infra.DisposeAsync();
    }

    public Dictionary<string, string?> Settings(string tenant = "sandbox")
    {
        var p = $"Tenants:{tenant}:";
        var settings = SandboxFixture.TenantOf(Sandbox, tenant, s =>
        {
            s["ConnectionStrings:Postgres"] = Infra.Postgres;
            s["EventStore:Schema"] = Infra.Schema;
            s[p + "Bulk:GroupId"] = SandboxPatients.BulkGroupId;
            s[p + "Bulk:DefaultPollInterval"] = "00:00:00.200";
        });
        string[] scopes = ["system/Patient.rs", "system/Observation.rs", "system/Condition.rs", "system/MedicationRequest.rs", "system/Medication.rs",
            "system/AllergyIntolerance.rs", "system/Group.rs"];
        for (var i = 0; i < scopes.Length; i++)
        {
            settings[$"{p}Backend:Scopes:{i}"] = scopes[i];
        }

        return settings;
    }
}

public sealed class BulkCliTests(BulkCliFixture f) : IClassFixture<BulkCliFixture>
{
    [Fact]
    public async Task Bulk_export_shows_progress_status_lists_the_run_and_population_gaps_run_the_hook_rules_over_the_cohort()
    {
        // No `schema apply` first: with EventStore:AutoApplySchema (the default) the export creates what it needs, as the services do.
        var settings = f.Settings();
        var export = await Cli.RunAsync(settings, "bulk", "export", "--tenant", "sandbox");
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("server: in-progress", export.Output);
        Assert.Contains("completed: ", export.Output);
        Assert.Matches(@"importing\s+files 1/\d+", export.Output);

        var status = await Cli.RunAsync(settings, "bulk", "status", "--tenant", "sandbox");
        Assert.True(status.ExitCode == 0, status.ToString());
        var line = Assert.Single(status.Output.Split('\n'), l => l.StartsWith("sandbox ", StringComparison.Ordinal));
        Assert.Contains(" completed ", line);

        var csv = await Cli.RunAsync(settings, "population", "gaps", "--tenant", "sandbox", "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        var rows = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("patient,rule,version,gap,date,evidence", rows[0]);
        var diabetic = Assert.Single(rows, r => r.StartsWith(SandboxPatients.Type2DiabeticHighA1c + ",diabetes-hba1c-gap,", StringComparison.Ordinal)).Split(',');
        Assert.Equal("Overdue", diabetic[3]);
        var date = DateOnly.ParseExact(diabetic[4], "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var months = (DateTime.UtcNow - date.ToDateTime(TimeOnly.MinValue)).TotalDays / 30.4;
        Assert.InRange(months, 7, 9);
        Assert.DoesNotContain(rows, r => r.StartsWith(SandboxPatients.NoData + ",", StringComparison.Ordinal));

        // The same rules on the same patient read live through FHIR (the hook path's context) give the same evidence.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection().AddLogging().AddCdsFhir(configuration).BuildServiceProvider();
        var context = await services.GetRequiredService<IPatientContextReader>().GetPatientContextAsync("sandbox", SandboxPatients.Type2DiabeticHighA1c, CancellationToken.None);
        var live = RuleEngine.Evaluate(RuleSetLoader.LoadDefault(), new RuleInput { Hook = "patient-view", Context = context, Now = DateTimeOffset.UtcNow, CardSeed = "x" })
            .Single(o => o.Finding.RuleId == "diabetes-hba1c-gap");
        Assert.Equal(string.Join(';', live.Finding.Evidence), diabetic[5]);

        var table = await Cli.RunAsync(settings, "population", "gaps", "--tenant", "sandbox", "--rule", "diabetes-hba1c-gap");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(SandboxPatients.Type2DiabeticHighA1c, table.Output);
        Assert.DoesNotContain("critical-lab", table.Output);

        var unknown = await Cli.RunAsync(settings, "population", "gaps", "--tenant", "sandbox", "--rule", "no-such-rule");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("diabetes-hba1c-gap", unknown.Error);
    }

    [Fact]
    public async Task A_worker_process_killed_mid_import_resumes_from_the_stream_without_a_second_export_or_a_second_import()
    {
        // Own tenant id: the process inherits this environment, which may name the local tenants file (tenant "sandbox").
        const string tenant = "bulkkill";
        var settings = f.Settings(tenant);
        f.Sandbox.Reset();
        // The third file (Observation) answers only after 20 s: the worker is killed while it waits.
        var hold = f.Sandbox.Faults.Add(new FaultRule { Method = "GET", PathContains = "/Observation", Delay = TimeSpan.FromSeconds(20), Times = 1 });

        var environment = settings.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!);
        await using (var worker = ServiceProcess.Start("bulk-worker", Path.Combine(AppContext.BaseDirectory, "Cds.Ops.dll"), ServiceProcess.FreePort(), environment,
                         ["bulk", "export", "--tenant", tenant]))
        {
            await Eventually.UntilAsync(() =>
            {
                Assert.False(worker.HasExited, worker.Tail());
                return hold.Fired > 0 && worker.Output().Contains("files 2/", StringComparison.Ordinal);
            }, () => "the worker never reached the third file:\n" + worker.Tail(), TimeSpan.FromSeconds(60));

            worker.KillHard();
            Assert.True(worker.HasExited);
        }

        var killed = await Cli.RunAsync(settings, "bulk", "status", "--tenant", tenant);
        Assert.Matches(@" importing .*\s2/\d+ ", Assert.Single(killed.Output.Split('\n'), l => l.StartsWith(tenant + " ", StringComparison.Ordinal)));

        var resumed = await Cli.RunAsync(settings, "bulk", "export", "--tenant", tenant);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var status = await Cli.RunAsync(settings, "bulk", "status", "--tenant", tenant);
        var line = Assert.Single(status.Output.Split('\n'), l => l.StartsWith(tenant + " ", StringComparison.Ordinal));
        Assert.Contains(" completed ", line);

        var requests = f.Sandbox.State.FhirRequests;
        Assert.Single(requests, r => r.PathAndQuery.Contains("/$export", StringComparison.Ordinal));
        // The two files imported before the kill were not downloaded again; the one in flight was downloaded once more.
        Assert.Single(requests, r => r.Method == "GET" && r.PathAndQuery.EndsWith("/Patient", StringComparison.Ordinal));
        Assert.Single(requests, r => r.Method == "GET" && r.PathAndQuery.EndsWith("/Condition", StringComparison.Ordinal));
        Assert.Equal(2, requests.Count(r => r.Method == "GET" && r.PathAndQuery.EndsWith("/Observation", StringComparison.Ordinal)));
    }
}
