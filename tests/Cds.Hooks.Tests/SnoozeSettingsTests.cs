using Cds.Rules;
using Cds.Tenants;
using Microsoft.Extensions.Configuration;

namespace Cds.Hooks.Tests;

/// <summary>The start-up check of <c>Tenants:{id}:Alerts:SnoozeAfterOverride</c>, on the settings as the tenants file binds them.</summary>
public sealed class SnoozeSettingsTests
{
    private static readonly RuleSet Rules = RuleSetLoader.LoadDefault();

    [Theory]
    [InlineData("1.00:00:00", null)]
    [InlineData("04:00:00", null)]
    [InlineData("24:00:00", "Tenants:north:Alerts:SnoozeAfterOverride:duplicate-therapy: the period must be more than 0 and at most 7 days (d.hh:mm:ss, e.g. 1.00:00:00 for 24 h).")]
    [InlineData("00:00:00", "Tenants:north:Alerts:SnoozeAfterOverride:duplicate-therapy: the period must be more than 0")]
    public void The_period_is_checked_at_start_up_with_the_setting_name(string value, string? problem)
    {
        var problems = Check(("Tenants:north:Alerts:SnoozeAfterOverride:duplicate-therapy", value));
        if (problem is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.StartsWith(problem, Assert.Single(problems), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_unknown_rule_is_refused_with_the_setting_name_and_the_known_rules()
    {
        var problem = Assert.Single(Check(("Tenants:north:Alerts:SnoozeAfterOverride:duplicate-therapies", "1.00:00:00")));
        Assert.StartsWith("Tenants:north:Alerts:SnoozeAfterOverride:duplicate-therapies: no rule 'duplicate-therapies'; known rules:", problem,
            StringComparison.Ordinal);
        Assert.Contains("duplicate-therapy", problem, StringComparison.Ordinal);
    }

    private static List<string> Check(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return [.. new SnoozeSettingsCheck(Rules).Problems(TenantSettingsBinder.Bind(configuration))];
    }
}
