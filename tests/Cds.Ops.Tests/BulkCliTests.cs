using System.Globalization;
using Cds.Rules;
using Cds.EpicSandbox;
using Cds.EventStore.Bulk;
using Cds.Fhir;
using Cds.Fhir.Patients;
using Cds.Tenants;
using Cds.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

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
        var settings = OpsSandboxFixture.TenantOf(Sandbox, tenant, s =>
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
    private static readonly RuleSet Shipped = RuleSetLoader.LoadDefault();

    /// <summary>The tenant's Group exported, then <c>population gaps</c> run over it: the CSV printed.</summary>
    private static async Task<string> ExportThenGapsAsync(Dictionary<string, string?> settings, string tenant)
    {
        var export = await Cli.RunAsync(settings, "bulk", "export", "--tenant", tenant);
        Assert.True(export.ExitCode == 0, export.ToString());
        var gaps = await Cli.RunAsync(settings, "population", "gaps", "--tenant", tenant, "--format", "csv");
        Assert.True(gaps.ExitCode == 0, gaps.ToString());
        return gaps.Output;
    }

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

        // The run was stored per patient: the hook path's lookup answers the gap at once, with its age.
        using var store = IsolatedEventStore.Open(f.Infra.Postgres, f.Infra.Schema);
        var lookup = new PopulationGapLookup(store, TimeProvider.System);
        var precomputed = await lookup.FindAsync("sandbox", SandboxPatients.Type2DiabeticHighA1c, Shipped.Has, CancellationToken.None);
        Assert.NotNull(precomputed);
        var stored = Assert.Single(precomputed.Gaps, g => g.RuleId == "diabetes-hba1c-gap");
        Assert.Equal(diabetic[5], string.Join(';', stored.Evidence));
        Assert.Equal(live.Card.Summary, stored.Card.Summary);
        Assert.InRange(precomputed.Age, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var card = Assert.Single(precomputed.Answer(() => "new-uuid").Select(a => a.Card), c => c.Source.Label == stored.Card.Source.Label && c.Summary.StartsWith(live.Card.Summary, StringComparison.Ordinal));
        Assert.Equal("new-uuid", card.Uuid);
        Assert.All(precomputed.Answer(() => "answer-uuid"), a => Assert.Equal(a.Card.Uuid, a.Finding.CardUuid));
        Assert.EndsWith("(as of just now)", card.Summary, StringComparison.Ordinal);
        Assert.True(card.Summary.Length < 140);
        Assert.Contains($"population run of {precomputed.RunAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC", card.Detail, StringComparison.Ordinal);
        Assert.Null(await lookup.FindAsync("sandbox", SandboxPatients.NoData, Shipped.Has, CancellationToken.None));
        Assert.Null(await lookup.FindAsync("other-tenant", SandboxPatients.Type2DiabeticHighA1c, Shipped.Has, CancellationToken.None));
        var firstRun = await lookup.LatestRunAsync("sandbox", CancellationToken.None);
        Assert.Equal(precomputed.RunId, firstRun!.Id);
        Assert.Equal(1, firstRun.GapsByRule["diabetes-hba1c-gap"]);

        // A patient the next run finds nothing for keeps no gap of an earlier run.
        await using (var session = store.LightweightSession("sandbox"))
        {
            session.Store(new PatientPopulationGaps { Id = "eGoneFromTheCohort", RunId = "population:old", RunAt = DateTimeOffset.UtcNow.AddDays(-3), Gaps = [stored] });
            await session.SaveChangesAsync();
        }

        Assert.InRange((await lookup.FindAsync("sandbox", "eGoneFromTheCohort", Shipped.Has, CancellationToken.None))!.Age, TimeSpan.FromDays(3), TimeSpan.FromDays(3).Add(TimeSpan.FromMinutes(5)));
        var table = await Cli.RunAsync(settings, "population", "gaps", "--tenant", "sandbox", "--rule", "diabetes-hba1c-gap");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains(SandboxPatients.Type2DiabeticHighA1c, table.Output);
        Assert.DoesNotContain("critical-lab", table.Output);
        Assert.Null(await lookup.FindAsync("sandbox", "eGoneFromTheCohort", Shipped.Has, CancellationToken.None));
        var again = await lookup.FindAsync("sandbox", SandboxPatients.Type2DiabeticHighA1c, Shipped.Has, CancellationToken.None);
        Assert.NotEqual(precomputed.RunId, again!.RunId);
        // --rule filters what is listed; the stored run still has every rule's findings.
        Assert.Equal(precomputed.Gaps.Select(g => g.RuleId).Order(), again.Gaps.Select(g => g.RuleId).Order());

        var unknown = await Cli.RunAsync(settings, "population", "gaps", "--tenant", "sandbox", "--rule", "no-such-rule");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("diabetes-hba1c-gap", unknown.Error);
    }

    [Fact]
    public async Task A_rule_the_tenant_switched_off_stores_no_population_gap_and_its_earlier_gaps_are_not_answered()
    {
        const string tenant = "bulkoff";
        const string rule = "diabetes-hba1c-gap";
        var settings = f.Settings(tenant);
        Assert.Contains($"{SandboxPatients.Type2DiabeticHighA1c},{rule},", await ExportThenGapsAsync(settings, tenant), StringComparison.Ordinal);

        // The tenant switches the rule off: what the earlier run stored is no longer answered on patient-view.
        settings[$"Tenants:{tenant}:Rules:{rule}:Enabled"] = "false";
        var off = TenantRuleSets.Resolve(Shipped, TenantSettingsBinder.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).RuleTuning())[tenant];
        Assert.False(off.Has(rule));
        using var store = IsolatedEventStore.Open(f.Infra.Postgres, f.Infra.Schema);
        var lookup = new PopulationGapLookup(store, TimeProvider.System);
        Assert.Contains((await lookup.FindAsync(tenant, SandboxPatients.Type2DiabeticHighA1c, Shipped.Has, CancellationToken.None))!.Gaps, g => g.RuleId == rule);
        Assert.DoesNotContain((await lookup.FindAsync(tenant, SandboxPatients.Type2DiabeticHighA1c, off.Has, CancellationToken.None))?.Gaps ?? [], g => g.RuleId == rule);

        // The next run (the CLI, then the scheduled follow-up) runs the tenant's rules: no gap of the rule is stored.
        var offRun = await Cli.RunAsync(settings, "population", "gaps", "--tenant", tenant, "--format", "csv");
        Assert.True(offRun.ExitCode == 0, offRun.ToString());
        Assert.DoesNotContain($",{rule},", offRun.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(rule, (await lookup.LatestRunAsync(tenant, CancellationToken.None))!.Rules);
        Assert.DoesNotContain((await lookup.FindAsync(tenant, SandboxPatients.Type2DiabeticHighA1c, Shipped.Has, CancellationToken.None))?.Gaps ?? [], g => g.RuleId == rule);

        settings[$"Tenants:{tenant}:Rules:{rule}:Enabled"] = "true";
        Assert.True((await Cli.RunAsync(settings, "population", "gaps", "--tenant", tenant)).ExitCode == 0);
        Assert.Contains((await lookup.FindAsync(tenant, SandboxPatients.Type2DiabeticHighA1c, Shipped.Has, CancellationToken.None))!.Gaps, g => g.RuleId == rule);
        settings[$"Tenants:{tenant}:Rules:{rule}:Enabled"] = "false";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var tuned = new TenantRuleSets(Shipped, TenantSettingsBinder.Bind(configuration).RuleTuning());
        await new Cds.Ops.Population.PopulationFollowUp(store, configuration, tuned, TimeProvider.System, NullLogger<Cds.Ops.Population.PopulationFollowUp>.Instance)
            .AfterExportAsync(tenant, new BulkExportRun(), CancellationToken.None);
        Assert.DoesNotContain(rule, (await lookup.LatestRunAsync(tenant, CancellationToken.None))!.Rules);
        Assert.DoesNotContain((await lookup.FindAsync(tenant, SandboxPatients.Type2DiabeticHighA1c, Shipped.Has, CancellationToken.None))?.Gaps ?? [], g => g.RuleId == rule);
    }

    [Fact]
    public async Task The_dashboard_shows_each_tenants_last_population_run_with_patients_per_rule_in_headless_chromium()
    {
        const string tenant = "bulkdash";
        var settings = f.Settings(tenant);
        var hba1c = (await ExportThenGapsAsync(settings, tenant)).Split('\n').Count(l => l.Contains(",diabetes-hba1c-gap,", StringComparison.Ordinal));
        Assert.True(hba1c >= 1);

        settings["ConnectionStrings:RabbitMq"] = f.Infra.RabbitMq;
        settings["ConnectionStrings:RabbitMqManagement"] = f.Infra.Endpoints.RabbitMqManagement.ToString();
        settings["Ops:RefreshSeconds"] = "1";
        settings["Ops:DashboardUser"] = "ops";
        settings["Ops:DashboardPassword"] = "population-panel";
        // A schedule (far off: this test runs its exports itself) makes the ops host run the scheduled export and population run.
        settings[$"Tenants:{tenant}:Bulk:Schedule"] = "0 3 1 1 *";
        await using var app = Cds.Ops.OpsHost.BuildDashboard(["--urls", "http://127.0.0.1:0"], settings);
        await app.StartAsync();
        Assert.Equal([tenant], app.Services.GetRequiredService<Cds.Bulk.BulkExportScheduler>().Schedules.Keys);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "ops", Password = "population-panel" },
            ViewportSize = new ViewportSize { Width = 1500, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        Assert.Equal(200, (await page.GotoAsync(address + "/"))!.Status);
        var row = page.Locator($"#population tr[data-tenant={tenant}]");
        await row.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        var text = await row.InnerTextAsync();
        Assert.Contains($"diabetes-hba1c-gap {hba1c}", text, StringComparison.Ordinal);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\s+\d+\s+\d+", text);

        // live: the next run shows up without a reload (its time to the second, the same counts)
        var before = await row.Locator("td").Nth(1).InnerTextAsync();
        Assert.True((await Cli.RunAsync(settings, "population", "gaps", "--tenant", tenant)).ExitCode == 0);
        await page.WaitForFunctionAsync($"before => document.querySelector('#population tr[data-tenant={tenant}] td:nth-child(2)').textContent !== before", before,
            new PageWaitForFunctionOptions { Timeout = 30_000 });
        Assert.Contains($"diabetes-hba1c-gap {hba1c}", await row.InnerTextAsync(), StringComparison.Ordinal);

        await HeadlessChromium.ScreenshotAsync(page, "dashboard-population.png");
        await app.StopAsync();
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
