using System.CommandLine;
using System.Globalization;
using Cds.Bulk;
using Cds.Enrichment.Population;
using Cds.Rules;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Cds.Fhir;
using Cds.Fhir.Configuration;
using Cds.Tenants;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Ops.Cli;

/// <summary><c>bulk export|status</c> (population sync runs) and <c>population gaps</c> (patient-level rules over the imported cohort).</summary>
public sealed partial class OpsCli
{
    // ---------- bulk ----------

    private Command BulkCommand()
    {
        var bulk = new Command("bulk", "population sync: Group $export runs of a tenant, imported into PostgreSQL");

        var tenant = new Option<string>("--tenant") { Description = "the tenant", Required = true };
        var group = new Option<string?>("--group") { Description = "the Group to export (default: Tenants:{id}:Bulk:GroupId)" };
        var export = new Command("export", "run (or resume) the export of a tenant's Group, showing live progress: files, resources, bytes, Epic's X-Progress")
        {
            tenant, group,
        };
        export.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            await using var services = BulkServices(configuration);
            var settings = configuration.GetSection(EventStoreSettings.Section).Get<EventStoreSettings>() ?? new EventStoreSettings();
            if (settings.AutoApplySchema)
            {
                // As the services do at start-up; production applies it ahead (`schema apply`) and sets AutoApplySchema=false.
                await services.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            }

            var runner = services.GetRequiredService<BulkExportRunner>();
            string? last = null;
            var run = await runner.RunAsync(p.GetRequiredValue(tenant), p.GetValue(group), progress =>
            {
                var line = $"{progress.State,-10} files {progress.FilesImported}/{progress.FilesTotal}  resources {progress.Resources}  bytes {progress.Bytes}"
                           + $"  cooldowns {progress.Cooldowns}  server: {progress.ServerProgress ?? "-"}";
                if (line != last)
                {
                    output.WriteLine($"[{progress.Elapsed:hh\\:mm\\:ss}] {line}");
                    last = line;
                }

                return ValueTask.CompletedTask;
            }, ct);
            output.WriteLine(Describe(run));
            return run.Completed is not null ? Ok : Failed;
        }));

        var statusTenant = new Option<string?>("--tenant") { Description = "one tenant (default: every configured tenant)" };
        var count = new Option<int>("--count") { Description = "runs per tenant", DefaultValueFactory = _ => 10 };
        var status = new Command("status", "the export runs, newest first: state, files, resources, changes, duration") { statusTenant, count };
        status.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            await using var services = BulkServices(configuration);
            var runner = services.GetRequiredService<BulkExportRunner>();
            var tenants = p.GetValue(statusTenant) is { } one ? [one] : services.GetRequiredService<FhirTenantRegistry>().TenantIds.ToList();
            output.WriteLine($"{"TENANT",-16} {"EXPORT",-56} {"STATE",-10} {"REQUESTED (UTC)",-20} {"FILES",7} {"RESOURCES",10} {"+NEW",6} {"~CHG",6} {"-GONE",6} {"DURATION",9}");
            foreach (var t in tenants)
            {
                foreach (var run in await runner.RunsAsync(t, p.GetValue(count), ct))
                {
                    output.WriteLine($"{t,-16} {run.ExportId,-56} {run.State,-10} {run.RequestedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),-20} "
                                     + $"{$"{run.Imported.Count}/{run.Files?.Count ?? 0}",7} {run.ResourcesImported,10} {run.Imported.Values.Sum(f => f.Added),6} "
                                     + $"{run.Imported.Values.Sum(f => f.Changed),6} {run.Completed?.Gone ?? 0,6} {(run.Completed is { } c ? c.Duration.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "-"),9}"
                                     + (run.Failed is { } f ? $"  {f.Reason}" : ""));
                }
            }

            return Ok;
        }));

        bulk.Subcommands.Add(export);
        bulk.Subcommands.Add(status);
        return bulk;
    }

    // ---------- population ----------

    private Command PopulationCommand()
    {
        var population = new Command("population", "the imported cohort of a tenant (see `bulk export`)");
        var tenant = new Option<string>("--tenant") { Description = "the tenant", Required = true };
        var rule = new Option<string?>("--rule") { Description = "one patient-level rule id (default: every patient-view rule)" };
        var format = new Option<string>("--format") { Description = "table or csv", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv");
        var gaps = new Command("gaps", "run the patient-level rules (e.g. the HbA1c care gap) over the imported cohort: the patients with a finding, its evidence and date. "
                                       + "The run is stored per patient, for patient-view to answer at once, and shown on the dashboard") { tenant, rule, format };
        gaps.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            var connectionString = configuration.GetConnectionString("Postgres")
                ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
            var settings = configuration.GetSection(EventStoreSettings.Section).Get<EventStoreSettings>() ?? new EventStoreSettings();
            await using var services = BulkServices(configuration);
            // The tenant's rules: a rule it switched off (Tenants:{id}:Rules:{ruleId}:Enabled=false) stores no gap.
            var finder = new PopulationGapFinder(connectionString, settings.Schema, services.GetRequiredService<TenantRuleSets>().For(p.GetRequiredValue(tenant)));
            var only = p.GetValue(rule);
            if (only is not null && !finder.RuleIds.Contains(only, StringComparer.Ordinal))
            {
                throw new ArgumentException($"no patient-level rule '{only}' for this tenant (known: {string.Join(", ", finder.RuleIds)})");
            }

            var store = services.GetRequiredService<IDocumentStore>();
            if (settings.AutoApplySchema)
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            }

            var csv = p.GetValue(format) == "csv";
            output.WriteLine(csv ? "patient,rule,version,gap,date,evidence" : $"{"PATIENT",-32} {"RULE",-24} {"GAP",-14} {"DATE",-12} EVIDENCE");
            var n = 0;
            // Every rule runs (the stored run is complete); --rule only filters what is listed.
            var run = await new PopulationGapRecorder(store, finder, TimeProvider.System).RunAsync(p.GetRequiredValue(tenant), gap =>
            {
                if (only is null || gap.RuleId == only)
                {
                    n++;
                    output.WriteLine(csv
                        ? string.Join(',', new[] { gap.PatientId, gap.RuleId, gap.RuleVersion, gap.Gap, gap.EvidenceDate ?? "", string.Join(';', gap.Evidence) }.Select(Csv))
                        : $"{gap.PatientId,-32} {gap.RuleId,-24} {gap.Gap,-14} {gap.EvidenceDate ?? "-",-12} {string.Join(' ', gap.Evidence)}");
                }

                return ValueTask.CompletedTask;
            }, ct);

            if (!csv)
            {
                output.WriteLine($"{n} finding(s); run {run.Id} over {run.Patients} patients stored ({run.PatientsWithGaps} with a gap)");
            }

            return Ok;
        }));
        population.Subcommands.Add(gaps);
        return population;
    }

    private static ServiceProvider BulkServices(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCdsFhir(configuration);
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set. Run `eval \"$(bash infra/local/up.sh)\"` or set ConnectionStrings__Postgres.");
        var settings = configuration.GetSection(EventStoreSettings.Section).Get<EventStoreSettings>() ?? new EventStoreSettings();
        services.AddSingleton<IDocumentStore>(_ => DocumentStore.For(o => EventStoreSetup.Configure(o, connectionString, settings)));
        services.AddCdsBulk(configuration);
        services.AddSingleton(_ => RuleSetLoader.LoadDefault()).AddTenantRuleSets();
        return services.BuildServiceProvider();
    }

    private static string Describe(BulkExportRun run) => run.Completed is { } c
        ? $"export {run.ExportId} completed: {c.Resources} resources ({c.Added} new, {c.Changed} changed, {c.Gone} gone) in {run.Imported.Count} files, {c.Bytes} bytes, {c.Duration.TotalSeconds:0.0} s"
        : $"export {run.ExportId} {run.State}: {run.Failed?.Reason}";

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
