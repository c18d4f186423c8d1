using System.Diagnostics.Metrics;
using Cds.Rules;
using Cds.Tenants;
using Cds.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Bulk.Tests;

/// <summary>
/// A reload of the tenants file (IOptionsMonitor change) with a bad setting is refused: the last good settings and rule
/// tuning stay in force, a Warning names the setting keys (never a value) and cds.tenants.reload_refused counts it.
/// </summary>
public sealed class TenantSettingsReloadTests
{
    private const string Schedule = "Tenants:north:Bulk:Schedule";
    private const string Egfr = "Tenants:north:Rules:renal-dosing:Parameters:drugs[0].egfrBelow";

    private static Dictionary<string, string?> Good() => new()
    {
        [Schedule] = "0 3 * * *",
        ["Tenants:north:Bulk:GroupId"] = "group-1",
        [Egfr] = "45",
    };

    private sealed class Tenants : IDisposable
    {
        private readonly ServiceProvider _services;
        private readonly MeterListener _listener = new();
        private long _refused;

        public Tenants(Dictionary<string, string?> settings)
        {
            Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            _services = new ServiceCollection()
                .AddLogging(b => b.AddProvider(Logs))
                .AddTenantSettings(Configuration).AddTenantSettingsCheck<BulkScheduleValidator>()
                .AddSingleton(_ => RuleSetLoader.LoadDefault()).AddTenantRuleSets()
                .BuildServiceProvider();
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TenantSettingsFactory.MeterName && instrument.Name == "cds.tenants.reload_refused")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _refused, value));
            _listener.Start();
        }

        public IConfigurationRoot Configuration { get; }
        public CapturedLogLines Logs { get; } = new();
        public long Refused => Interlocked.Read(ref _refused);
        public IOptionsMonitor<ConfiguredTenants> Monitor => _services.GetRequiredService<IOptionsMonitor<ConfiguredTenants>>();
        public TenantRuleSets Rules => _services.GetRequiredService<TenantRuleSets>();

        /// <summary>The tenants file saved with <paramref name="changes"/>.</summary>
        public void Reload(params (string Key, string? Value)[] changes)
        {
            foreach (var (key, value) in changes)
            {
                Configuration[key] = value;
            }
            Configuration.Reload();
        }

        public string Warnings => string.Join('\n', Logs.Lines.Where(l => l.StartsWith("Warning ", StringComparison.Ordinal)));

        public void Dispose()
        {
            _listener.Dispose();
            _services.Dispose();
        }
    }

    private static string? Threshold(RuleSet rules) =>
        RuleParameterValues.Of(rules.Rules.Single(r => r.Id == "renal-dosing")).Single(v => v.Name == "drugs[0].egfrBelow").Value;

    [Fact]
    public void A_bad_schedule_at_reload_keeps_the_last_good_settings_and_names_the_setting_without_its_value()
    {
        using var tenants = new Tenants(Good());
        var good = tenants.Monitor.CurrentValue;
        Assert.Equal("0 3 * * *", good.Find("north")!.Bulk.Schedule);

        tenants.Reload((Schedule, "every night at 3 SECRET-LOOKING-VALUE"));

        Assert.Same(good, tenants.Monitor.CurrentValue);
        Assert.Equal("0 3 * * *", tenants.Monitor.CurrentValue.Find("north")!.Bulk.Schedule);
        Assert.Equal(1, tenants.Refused);
        Assert.Contains(Schedule, tenants.Warnings, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-LOOKING-VALUE", string.Join('\n', tenants.Logs.Lines), StringComparison.Ordinal);

        // Fixed: the next reload is taken.
        tenants.Reload((Schedule, "0 4 * * *"));
        Assert.Equal("0 4 * * *", tenants.Monitor.CurrentValue.Find("north")!.Bulk.Schedule);
        Assert.Equal(1, tenants.Refused);
    }

    [Fact]
    public void A_bad_rule_tuning_at_reload_keeps_the_last_good_rules_and_names_the_setting()
    {
        using var tenants = new Tenants(Good());
        Assert.Equal("45", Threshold(tenants.Rules.For("north")));

        tenants.Reload((Egfr, "250"));

        Assert.Equal("45", Threshold(tenants.Rules.For("north")));
        Assert.Equal("45", tenants.Monitor.CurrentValue.Find("north")!.Rules["renal-dosing"].Parameters["drugs[0].egfrBelow"]);
        Assert.Equal(1, tenants.Refused);
        Assert.Contains(Egfr, tenants.Warnings, StringComparison.Ordinal);

        tenants.Reload((Egfr, "40"));
        Assert.Equal("40", Threshold(tenants.Rules.For("north")));
    }

    [Fact]
    public void A_setting_that_cannot_be_bound_at_reload_is_refused_too_naming_it_without_its_value()
    {
        using var tenants = new Tenants(Good());
        var good = tenants.Monitor.CurrentValue;

        tenants.Reload(("Tenants:north:Rules:renal-dosing:Enabled", "sometimes-SECRET"));

        Assert.Same(good, tenants.Monitor.CurrentValue);
        Assert.Equal(1, tenants.Refused);
        Assert.Contains("Tenants:north:Rules:renal-dosing:Enabled", tenants.Warnings, StringComparison.Ordinal);
        Assert.DoesNotContain("sometimes-SECRET", string.Join('\n', tenants.Logs.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_setting_at_start_up_still_fails_naming_it()
    {
        var settings = Good();
        settings[Egfr] = "250";
        using var tenants = new Tenants(settings);

        var error = Assert.Throws<OptionsValidationException>(() => tenants.Monitor.CurrentValue);
        Assert.Contains($"{Egfr}: must be a threshold between 0 and 200", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, tenants.Refused);
    }

    [Theory]
    [InlineData("Tenant 'north': Tenants:north:Bulk:Schedule 'x y' is not a cron expression (5 fields, or 6 with seconds): bad", "Tenants:north:Bulk:Schedule")]
    [InlineData("Tenant 'north': FhirBaseUrl 'https://secret.example/FHIR/R4/' is not an absolute http(s) URL.", "Tenants:north:FhirBaseUrl")]
    [InlineData("Tenant 'north': Environment is Production but Backend.ProdClientId is empty: set the PROD client id.", "Tenants:north:Environment,Tenants:north:Backend:ProdClientId")]
    [InlineData("Tenant 'north': scope 'system/Patient.Read' has an unknown syntax; expected system/<ResourceType>.<read>, e.g. 'system/Observation.rs'.", "Tenants:north")]
    [InlineData("Tenants:north:WriteBack:ContentType 'text/x' is not supported: use text/plain or text/html.", "Tenants:north:WriteBack:ContentType")]
    [InlineData("Tenants:north:Rules:renal-dosing:Parameters:drugs[0].egfrBelow: must be a threshold between 0 and 200", "Tenants:north:Rules:renal-dosing:Parameters:drugs[0].egfrBelow")]
    [InlineData("HookAuth:ReplaySchema must be a lower-case PostgreSQL identifier.", "HookAuth:ReplaySchema")]
    [InlineData("Failed to convert configuration value 'abc' at 'Tenants:north:Environment' to type 'Cds.Tenants.EpicEnvironment'.", "Tenants:north:Environment")]
    public void The_keys_of_a_problem_are_named_and_its_values_are_not(string problem, string keys)
    {
        Assert.Equal(keys.Split(','), TenantSettingKeys.In([problem]));
    }
}
