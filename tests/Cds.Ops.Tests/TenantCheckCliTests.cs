using Cds.EpicSandbox;
using Cds.Ops.Tenants;

namespace Cds.Ops.Tests;

/// <summary><c>tenants check</c> against the local Epic sandbox over real HTTP: a good tenant passes every line, each broken one fails the right line.</summary>
public sealed class TenantCheckCliTests(OpsSandboxFixture fixture) : IClassFixture<OpsSandboxFixture>
{
    private static string LineOf(string output, string tenant, string check) =>
        output.Split('\n').FirstOrDefault(l => l.Length > 6 && l[6..].StartsWith($"{tenant,-12} {check,-20}", StringComparison.Ordinal)) ?? "";

    [Fact]
    public async Task A_correct_tenant_passes_configuration_smart_configuration_token_and_jwks()
    {
        var result = await Cli.RunAsync(fixture.Tenant("sandbox"), "tenants", "check");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("PASS", LineOf(result.Output, "sandbox", TenantChecker.ConfigCheck), StringComparison.Ordinal);
        var smart = LineOf(result.Output, "sandbox", TenantChecker.SmartCheck);
        Assert.StartsWith("PASS", smart, StringComparison.Ordinal);
        Assert.Contains(fixture.Sandbox.TokenEndpoint.ToString(), smart, StringComparison.Ordinal);
        var token = LineOf(result.Output, "sandbox", TenantChecker.TokenCheck);
        Assert.StartsWith("PASS", token, StringComparison.Ordinal);
        Assert.Contains("access token obtained for NONPROD client", token, StringComparison.Ordinal);
        var jwks = LineOf(result.Output, "sandbox", TenantChecker.JwksCheck);
        Assert.StartsWith("PASS", jwks, StringComparison.Ordinal);
        Assert.Contains("key(s)", jwks, StringComparison.Ordinal);
        Assert.Contains("10 passed, 0 failed, 0 skipped", result.Output, StringComparison.Ordinal); // 4 checks and the 6 rules in force
        // the sandbox really issued a token to our NONPROD client
        Assert.Contains(fixture.Sandbox.State.TokenRequests, r => r.ClientId == SandboxClients.NonProdClientId && r.Status == 200);
    }

    [Fact]
    public async Task The_prod_client_id_in_a_non_production_tenant_fails_the_token_line_with_the_hint()
    {
        // the two ids swapped: the configuration cannot tell, Epic (the sandbox, non-production) answers invalid_client
        var settings = fixture.Tenant("mixedup", s =>
        {
            s["Tenants:mixedup:Backend:NonProdClientId"] = SandboxClients.ProdClientId;
            s["Tenants:mixedup:Backend:ProdClientId"] = SandboxClients.NonProdClientId;
        });
        var result = await Cli.RunAsync(settings, "tenants", "check", "--tenant", "mixedup");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("PASS", LineOf(result.Output, "mixedup", TenantChecker.SmartCheck), StringComparison.Ordinal);
        var token = LineOf(result.Output, "mixedup", TenantChecker.TokenCheck);
        Assert.StartsWith("FAIL", token, StringComparison.Ordinal);
        Assert.Contains("invalid_client", token, StringComparison.Ordinal);
        Assert.Contains(SandboxClients.ProdClientId, token, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_configurations_fail_their_own_lines_and_leave_other_tenants_alone()
    {
        var settings = fixture.Tenant("sandbox");
        foreach (var kv in fixture.Tenant("nokey", s =>
                 {
                     s["Tenants:nokey:Backend:PrivateKeyPath"] = "/nonexistent/key.pem";
                     s["Tenants:nokey:HookAuth:JkuAllowlist:0"] = new Uri(fixture.Sandbox.BaseUrl, "no/such/jwks").ToString();
                 }))
        {
            settings[kv.Key] = kv.Value;
        }
        foreach (var kv in fixture.Tenant("down", s =>
                 {
                     s["Tenants:down:FhirBaseUrl"] = "http://127.0.0.1:1/interconnect-fhir-oauth/api/FHIR/R4/";
                     s.Remove("Tenants:down:HookAuth:JkuAllowlist:0");
                 }))
        {
            settings[kv.Key] = kv.Value;
        }

        var result = await Cli.RunAsync(settings, "tenants", "check");
        Assert.Equal(1, result.ExitCode);
        var o = result.Output;

        // the good tenant is unaffected
        foreach (var check in new[] { TenantChecker.ConfigCheck, TenantChecker.SmartCheck, TenantChecker.TokenCheck, TenantChecker.JwksCheck })
        {
            Assert.StartsWith("PASS", LineOf(o, "sandbox", check), StringComparison.Ordinal);
        }

        // a missing key: configuration fails with the path, the live token checks are skipped, the bad jku fails
        var config = LineOf(o, "nokey", TenantChecker.ConfigCheck);
        Assert.StartsWith("FAIL", config, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/key.pem", o, StringComparison.Ordinal);
        Assert.StartsWith("SKIP", LineOf(o, "nokey", TenantChecker.TokenCheck), StringComparison.Ordinal);
        var badJwks = LineOf(o, "nokey", TenantChecker.JwksCheck);
        Assert.StartsWith("FAIL", badJwks, StringComparison.Ordinal);
        Assert.Contains("404", badJwks, StringComparison.Ordinal);

        // an unreachable Epic: smart-configuration fails, the token is skipped; no jku configured fails the JWKS line
        Assert.StartsWith("PASS", LineOf(o, "down", TenantChecker.ConfigCheck), StringComparison.Ordinal);
        Assert.StartsWith("FAIL", LineOf(o, "down", TenantChecker.SmartCheck), StringComparison.Ordinal);
        Assert.StartsWith("SKIP", LineOf(o, "down", TenantChecker.TokenCheck), StringComparison.Ordinal);
        var noJku = LineOf(o, "down", TenantChecker.JwksCheck);
        Assert.StartsWith("FAIL", noJku, StringComparison.Ordinal);
        Assert.Contains("no Tenants:down:HookAuth:JkuAllowlist", noJku, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_checks_configuration_only_and_an_unknown_tenant_fails()
    {
        var offline = await Cli.RunAsync(fixture.Tenant("sandbox"), "tenants", "check", "--offline");
        Assert.True(offline.ExitCode == 0, offline.ToString());
        Assert.Contains("7 passed, 0 failed, 0 skipped", offline.Output, StringComparison.Ordinal); // configuration and the 6 rules

        var unknown = await Cli.RunAsync(fixture.Tenant("sandbox"), "tenants", "check", "--tenant", "nobody");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no section 'Tenants:nobody'", unknown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rules_in_force_are_printed_per_tenant_with_the_overridden_values_marked_and_a_bad_setting_fails()
    {
        var tuned = await Cli.RunAsync(fixture.Tenant("sandbox", t =>
        {
            t["Tenants:sandbox:Rules:renal-dosing:Parameters:drugs[0].egfrBelow"] = "45";
            t["Tenants:sandbox:Rules:qt-prolonging:Enabled"] = "false";
        }), "tenants", "check", "--offline");
        Assert.True(tuned.ExitCode == 0, tuned.ToString());
        var rules = tuned.Output.Split('\n').Where(l => l.Length > 6 && l[6..].StartsWith($"{"sandbox",-12} {RuleTuningCheck.Check,-20}", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, rules.Count);
        var renal = Assert.Single(rules, l => l.Contains(" renal-dosing@", StringComparison.Ordinal));
        Assert.Matches(@"renal-dosing@1\.0\.0\+[0-9a-f]{12} enabled: maxAgeDays=365, drugs\[0\]\.egfrBelow=45 \(overridden\)", renal);
        Assert.Contains("qt-prolonging@1.0.0 disabled", Assert.Single(rules, l => l.Contains(" qt-prolonging@", StringComparison.Ordinal)));
        var hba1c = Assert.Single(rules, l => l.Contains(" diabetes-hba1c-gap@1.0.0 enabled: ", StringComparison.Ordinal));
        Assert.Contains("lookbackMonths=6,", hba1c, StringComparison.Ordinal);
        Assert.DoesNotContain("(overridden)", hba1c, StringComparison.Ordinal);

        var bad = await Cli.RunAsync(fixture.Tenant("sandbox", t => t["Tenants:sandbox:Rules:renal-dosing:Parameters:drugs[0].egfrBelow"] = "250"),
            "tenants", "check", "--offline");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Tenants:sandbox:Rules:renal-dosing:Parameters:drugs[0].egfrBelow: must be a threshold between 0 and 200",
            LineOf(bad.Output, "sandbox", RuleTuningCheck.Check), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rule_setting_that_cannot_be_bound_fails_the_configuration_and_the_rules()
    {
        var bad = await Cli.RunAsync(fixture.Tenant("sandbox", t => t["Tenants:sandbox:Rules:renal-dosing:Enabled"] = "sometimes"), "tenants", "check", "--offline");

        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("configuration could not be validated: InvalidOperationException", LineOf(bad.Output, "sandbox", TenantChecker.ConfigCheck), StringComparison.Ordinal);
        var rules = LineOf(bad.Output, "sandbox", RuleTuningCheck.Check);
        Assert.StartsWith("FAIL", rules, StringComparison.Ordinal);
        Assert.Contains("binding has failed", rules, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rules_lines_come_from_the_bound_tenant_settings()
    {
        var rules = new Dictionary<string, Cds.Rules.TenantRuleSettings>(StringComparer.OrdinalIgnoreCase) { ["qt-prolonging"] = new() { Enabled = false } };

        var lines = RuleTuningCheck.Lines("sandbox", rules);

        Assert.Equal(6, lines.Count);
        Assert.All(lines, l => Assert.Equal(CheckStatus.Pass, l.Status));
        Assert.Equal("qt-prolonging@1.0.0 disabled (Tenants:sandbox:Rules:qt-prolonging:Enabled)", Assert.Single(lines, l => l.Detail.Contains("disabled", StringComparison.Ordinal)).Detail);
    }

    [Fact]
    public async Task Tenants_come_from_the_shared_tenants_file_or_a_config_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ops-tenants-{Guid.NewGuid():N}.json");
        var json = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in fixture.Tenant("fromfile"))
        {
            System.Text.Json.Nodes.JsonNode node = json;
            var parts = key.Split(':');
            foreach (var part in parts[..^1])
            {
                node = node[part] ??= new System.Text.Json.Nodes.JsonObject();
            }
            node[parts[^1]] = value;
        }
        await File.WriteAllTextAsync(file, json.ToJsonString());
        try
        {
            var viaVariable = await Cli.RunAsync(new Dictionary<string, string?> { ["CDS_TENANTS_FILE"] = file }, "tenants", "check", "--offline");
            Assert.True(viaVariable.ExitCode == 0, viaVariable.ToString());
            Assert.StartsWith("PASS", LineOf(viaVariable.Output, "fromfile", TenantChecker.ConfigCheck), StringComparison.Ordinal);

            var viaOption = await Cli.RunAsync(new Dictionary<string, string?>(), "tenants", "check", "--offline", "--config", file);
            Assert.True(viaOption.ExitCode == 0, viaOption.ToString());
            Assert.StartsWith("PASS", LineOf(viaOption.Output, "fromfile", TenantChecker.ConfigCheck), StringComparison.Ordinal);

            var missing = await Cli.RunAsync(new Dictionary<string, string?>(), "tenants", "check", "--config", file + ".missing");
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_jwks_without_keys_is_refused()
    {
        Assert.Equal("1 key(s): kid a (RSA)", TenantChecker.DescribeKeys("""{"keys":[{"kid":"a","kty":"RSA"}]}""", "x"));
        Assert.Throws<InvalidOperationException>(() => TenantChecker.DescribeKeys("""{"keys":[]}""", "x"));
        Assert.Throws<InvalidOperationException>(() => TenantChecker.DescribeKeys("""{"kid":"a"}""", "x"));
        Assert.Throws<InvalidOperationException>(() => TenantChecker.DescribeKeys("<html>", "x"));
    }
}
