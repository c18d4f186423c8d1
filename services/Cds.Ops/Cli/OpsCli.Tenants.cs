using System.CommandLine;
using Cds.Ops.Tenants;

namespace Cds.Ops.Cli;

/// <summary><c>tenants check</c>: each tenant's configuration, then live checks against its Epic.</summary>
public sealed partial class OpsCli
{
    private Command TenantsCommand()
    {
        var tenants = new Command("tenants", "tenant configuration and live checks");
        var tenant = new Option<string?>("--tenant") { Description = "check one tenant (default: every tenant under Tenants)" };
        var offline = new Option<bool>("--offline") { Description = "configuration only, no network" };
        var check = new Command("check", "PASS/FAIL per line: configuration, the rules in force (enabled, thresholds, overrides), smart-configuration reachable, token obtainable, Epic JWKS reachable")
        {
            tenant, offline,
        };
        check.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            var checker = new TenantChecker(configuration);
            var live = !p.GetValue(offline);
            IReadOnlyList<TenantCheckLine> lines;
            if (p.GetValue(tenant) is { } one)
            {
                lines = await checker.CheckAsync(one, live, ct);
            }
            else if (checker.TenantIds.Count == 0)
            {
                error.WriteLine("no tenants configured (Tenants:{id}); pass --config infra/local/tenants.sandbox.json or set Tenants__{id}__… variables");
                return Error;
            }
            else
            {
                lines = await checker.CheckAllAsync(live, ct);
            }
            foreach (var line in lines)
            {
                output.WriteLine(line.ToString());
            }
            var failed = lines.Count(l => l.Status == CheckStatus.Fail);
            output.WriteLine($"{lines.Count(l => l.Status == CheckStatus.Pass)} passed, {failed} failed, {lines.Count(l => l.Status == CheckStatus.Skip)} skipped");
            return failed == 0 ? Ok : Failed;
        }));
        tenants.Subcommands.Add(check);
        return tenants;
    }
}
