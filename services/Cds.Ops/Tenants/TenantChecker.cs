using System.Diagnostics;
using System.Text.Json;
using Cds.Fhir;
using Cds.Fhir.Auth;
using Cds.Fhir.Configuration;
using Cds.Tenants;

namespace Cds.Ops.Tenants;

/// <summary>
/// Checks each tenant under <c>Tenants:{id}</c>: its configuration (the same validation the services run at
/// start-up, from <c>Cds.Fhir</c>), then live: smart-configuration reachable, a backend token obtainable, Epic's
/// hook-signing JWKS (the <c>HookAuth</c> jku allowlist or static JWKS) reachable with keys. No token is printed.
/// Also the rules in force for the tenant (<see cref="RuleTuningCheck"/>: <c>Tenants:{id}:Rules</c>).
/// </summary>
public sealed class TenantChecker
{
    public const string ConfigCheck = "configuration";
    public const string SmartCheck = "smart-configuration";
    public const string TokenCheck = "token";
    public const string JwksCheck = "epic-jwks";

    private readonly IConfiguration _configuration;
    private readonly TimeSpan _timeout;

    public TenantChecker(IConfiguration configuration, TimeSpan? timeout = null)
    {
        _configuration = configuration;
        _timeout = timeout ?? TimeSpan.FromSeconds(20);
    }

    public IReadOnlyList<string> TenantIds => TenantSettingsBinder.TenantIds(_configuration).Order(StringComparer.Ordinal).ToList();

    public async Task<IReadOnlyList<TenantCheckLine>> CheckAllAsync(bool live, CancellationToken ct = default)
    {
        var lines = new List<TenantCheckLine>();
        foreach (var id in TenantIds)
        {
            lines.AddRange(await CheckAsync(id, live, ct));
        }
        return lines;
    }

    public async Task<IReadOnlyList<TenantCheckLine>> CheckAsync(string tenant, bool live = true, CancellationToken ct = default)
    {
        var section = _configuration.GetSection(TenantSettingsBinder.Section).GetChildren().FirstOrDefault(c => string.Equals(c.Key, tenant, StringComparison.OrdinalIgnoreCase));
        if (section is null)
        {
            return [new(tenant, ConfigCheck, CheckStatus.Fail, $"no section 'Tenants:{tenant}' in the configuration")];
        }
        var id = section.Key;
        var lines = new List<TenantCheckLine>();

        // One service provider per tenant: a broken tenant cannot fail the checks of the others.
        var only = new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable().Where(kv => kv.Value is not null))
            .Build();
        var services = new ServiceCollection().AddCdsFhir(only);
        await using var provider = services.BuildServiceProvider();

        TenantSettings? bound = null;
        TenantSettings options;
        IReadOnlyList<string> problems;
        Exception? failure = null;
        try
        {
            options = bound = TenantSettingsBinder.Bind(only).Tenants[id];
            problems = TenantOptionsValidator.ValidateTenant(id, options);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            options = new TenantSettings();
            problems = [$"configuration could not be validated: {ex.GetType().Name}: {ex.Message}"];
        }
        if (problems.Count == 0)
        {
            lines.Add(new(id, ConfigCheck, CheckStatus.Pass,
                $"{options.Environment}, {options.ClientIdKind} client id {options.ClientIdInForce}, kid {options.Backend.KeyId}, FHIR {options.FhirBaseUrl}, write-back {(options.WriteBack.Enabled ? "on" : "off")}"));
        }
        else
        {
            lines.AddRange(problems.Select(p => new TenantCheckLine(id, ConfigCheck, CheckStatus.Fail, p)));
        }

        lines.AddRange(bound is null ? [RuleTuningCheck.Unbound(id, failure!)] : RuleTuningCheck.Lines(id, bound.Rules));

        if (!live)
        {
            return lines;
        }

        if (problems.Count > 0)
        {
            lines.Add(new(id, SmartCheck, CheckStatus.Skip, "configuration is invalid"));
            lines.Add(new(id, TokenCheck, CheckStatus.Skip, "configuration is invalid"));
        }
        else
        {
            var smartOk = await Step(lines, id, SmartCheck, async c =>
            {
                var smart = await provider.GetRequiredService<SmartConfigurationCache>().GetAsync(id, c);
                return $"token endpoint {smart.TokenEndpoint}";
            }, ct);
            if (smartOk)
            {
                await Step(lines, id, TokenCheck, async c =>
                {
                    var token = await provider.GetRequiredService<BackendTokenProvider>().GetTokenAsync(id, c);
                    var scopes = token.Scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 0;
                    return $"access token obtained for {options.ClientIdKind} client, expires in {(int)(token.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds} s, {scopes} scope(s) granted";
                }, ct);
            }
            else
            {
                lines.Add(new(id, TokenCheck, CheckStatus.Skip, "smart-configuration unreachable"));
            }
        }

        lines.AddRange(await CheckJwksAsync(id, options.HookAuth ?? new TenantHookAuthOptions(), ct));
        return lines;
    }

    private async Task<bool> Step(List<TenantCheckLine> lines, string id, string check, Func<CancellationToken, Task<string>> run, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        var sw = Stopwatch.StartNew();
        try
        {
            var detail = await run(cts.Token);
            lines.Add(new(id, check, CheckStatus.Pass, $"{detail} ({sw.ElapsedMilliseconds} ms)"));
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            lines.Add(new(id, check, CheckStatus.Fail, $"no answer within {_timeout.TotalSeconds:0} s"));
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            lines.Add(new(id, check, CheckStatus.Fail, Describe(ex)));
            return false;
        }
    }

    private async Task<IReadOnlyList<TenantCheckLine>> CheckJwksAsync(string id, TenantHookAuthOptions hookAuth, CancellationToken ct)
    {
        var lines = new List<TenantCheckLine>();
        var jkus = hookAuth.JkuAllowlist;
        var staticPath = hookAuth.StaticJwksPath;
        var inline = hookAuth.StaticJwks;
        if (jkus.Count == 0 && string.IsNullOrWhiteSpace(staticPath) && string.IsNullOrWhiteSpace(inline))
        {
            lines.Add(new(id, JwksCheck, CheckStatus.Fail,
                $"no Tenants:{id}:HookAuth:JkuAllowlist and no static JWKS: Epic's hook JWTs cannot be verified"));
            return lines;
        }
        using var http = new HttpClient { Timeout = _timeout };
        foreach (var jku in jkus)
        {
            await Step(lines, id, JwksCheck, async c =>
            {
                if (!Uri.TryCreate(jku, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw new InvalidOperationException($"jku '{jku}' is not an absolute http(s) URL");
                }
                using var response = await http.GetAsync(uri, c);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{jku} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                }
                return $"{jku}: {DescribeKeys(await response.Content.ReadAsStringAsync(c), jku)}";
            }, ct);
        }
        if (!string.IsNullOrWhiteSpace(staticPath))
        {
            await Step(lines, id, JwksCheck, async c =>
            {
                if (!File.Exists(staticPath))
                {
                    throw new InvalidOperationException($"static JWKS file '{staticPath}' does not exist");
                }
                return $"static {staticPath}: {DescribeKeys(await File.ReadAllTextAsync(staticPath, c), staticPath)}";
            }, ct);
        }
        if (!string.IsNullOrWhiteSpace(inline))
        {
            await Step(lines, id, JwksCheck, _ => Task.FromResult($"inline JWKS: {DescribeKeys(inline, "StaticJwks")}"), ct);
        }
        return lines;
    }

    /// <summary>"2 key(s): kid a (RSA), kid b (EC)"; throws when the text is not a JWKS with at least one key.</summary>
    public static string DescribeKeys(string json, string where)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"{where} is not JSON (expected a JWK Set)");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidOperationException($"{where} is not a JWK Set (no 'keys' array)");
            }
            var described = keys.EnumerateArray().Select(k =>
                $"kid {(k.TryGetProperty("kid", out var kid) ? kid.GetString() : "-")} ({(k.TryGetProperty("kty", out var kty) ? kty.GetString() : "?")})").ToList();
            if (described.Count == 0)
            {
                throw new InvalidOperationException($"{where} has an empty 'keys' array");
            }
            return $"{described.Count} key(s): {string.Join(", ", described)}";
        }
    }

    /// <summary>The exception's own message (Cds.Fhir's messages carry no token and no PHI), unwrapped for HTTP failures.</summary>
    private static string Describe(Exception ex) => ex switch
    {
        HttpRequestException { InnerException: { } inner } h => $"{h.Message} ({inner.Message})",
        _ when ex.InnerException is HttpRequestException h2 => $"{ex.Message} ({h2.Message})",
        _ => ex.Message,
    };
}
