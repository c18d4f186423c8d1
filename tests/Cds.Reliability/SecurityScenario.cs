using Cds.Testing;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cds.Reliability;

/// <summary>
/// Scenario 5: the JWT attack suite against the running hooks service, a jku off the allowlist (a spy JWKS server
/// counts any fetch), tenant isolation between alpha and beta, the ops dashboard without its credential, request size
/// and per-tenant rate limits, and a scan of every service's output for the secrets this run used.
/// </summary>
public static class SecurityScenario
{
    public static async Task RunAsync(Rig rig, ScenarioResult result, bool quick)
    {
        var secrets = new List<string> { Rig.OpsPassword, "PRIVATE KEY", "Password=" };
        // A spy that serves the real Epic JWKS: if the service ever fetched it, the forged token would even verify.
        var spyHits = 0;
        var spyPort = ServiceProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{spyPort}");
        await using var spy = builder.Build();
        var jwks = rig.SandboxA.HookKeys.Jwks().ToJsonString();
        spy.MapGet("/{**path}", () => { Interlocked.Increment(ref spyHits); return Results.Content(jwks, "application/json"); });
        await spy.StartAsync();
        var spyUrl = $"http://127.0.0.1:{spyPort}/jwks";

        using var otherRsa = RSA.Create(2048);
        var attacks = new (string Name, Action<JwtOverrides> Tweak)[]
        {
            ("alg none", o => o.Alg = "none"),
            ("HS256 with the JWKS as secret", o => o.Alg = "HS256"),
            ("RS256 instead of RS384", o => o.Alg = "RS256"),
            ("tampered signature", o => o.TamperSignature = true),
            ("signed by an unknown key", o => o.Key = otherRsa),
            ("unknown kid", o => o.Kid = "bm90LWEta2lk"),
            ("jku off the allowlist (spy)", o => o.Jku = spyUrl),
            ("jku off the allowlist + unknown key", o => { o.Jku = spyUrl; o.Key = otherRsa; }),
            ("jku with allowlisted prefix", o => o.Jku = rig.SandboxA.HookJwksUrl + "/../../x"),
            ("wrong iss", o => o.Iss = "https://evil.example/fhir/"),
            ("wrong aud", o => o.Aud = "https://evil.example/cds-services/order-select"),
            ("wrong sub", o => o.Sub = "someone-else"),
            ("expired", o => { o.Exp = DateTimeOffset.UtcNow.AddMinutes(-10); o.Iat = DateTimeOffset.UtcNow.AddMinutes(-20); }),
            ("not yet valid", o => { o.Nbf = DateTimeOffset.UtcNow.AddMinutes(30); o.Iat = DateTimeOffset.UtcNow.AddMinutes(30); }),
            ("no exp", o => o.Omit.Add("exp")),
            ("no jti", o => o.Omit.Add("jti")),
            ("beta's issuer with alpha's keys url", o => o.Iss = rig.SandboxB.FhirBaseUrl.ToString()),
        };
        var accepted = new List<string>();
        foreach (var (name, tweak) in attacks)
        {
            var body = rig.DriverA.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Amoxicillin]);
            var url = new Uri(rig.DriverA.CdsServicesBaseUrl, "cds-order-select");
            var jwt = rig.DriverA.SignHookJwt(url.ToString(), tweak);
            secrets.Add(jwt);
            var (status, _) = await rig.PostRawAsync("cds-order-select", Encoding.UTF8.GetBytes(body.ToJsonString()), jwt);
            Count(result, status);
            if (status != 401)
            {
                accepted.Add($"{name} → {status}");
            }
        }
        // Forged tenant: tenant beta's Epic signing with alpha's issuer (beta's jku is not on alpha's allowlist).
        {
            var url = new Uri(rig.DriverB.CdsServicesBaseUrl, "cds-order-select");
            var jwt = rig.DriverB.SignHookJwt(url.ToString(), o => o.Iss = rig.SandboxA.FhirBaseUrl.ToString());
            var (status, _) = await rig.PostRawAsync("cds-order-select", Encoding.UTF8.GetBytes(rig.DriverB.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Amoxicillin]).ToJsonString()), jwt);
            Count(result, status);
            if (status != 401)
            {
                accepted.Add($"beta key set claiming alpha's iss → {status}");
            }
        }
        // No token; a replayed jti.
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(rig.DriverA.CdsServicesBaseUrl, "cds-order-select"))
            {
                Content = new StringContent("{}", Encoding.UTF8, "application/json"),
            };
            using var response = await rig.Http.SendAsync(message);
            Count(result, (int)response.StatusCode);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                accepted.Add($"no token → {(int)response.StatusCode}");
            }
            var url = new Uri(rig.DriverA.CdsServicesBaseUrl, "cds-order-select");
            var jwt = rig.DriverA.SignHookJwt(url.ToString());
            secrets.Add(jwt);
            var first = await rig.PostRawAsync("cds-order-select", Encoding.UTF8.GetBytes(rig.DriverA.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Ibuprofen]).ToJsonString()), jwt);
            var replay = await rig.PostRawAsync("cds-order-select", Encoding.UTF8.GetBytes(rig.DriverA.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Ibuprofen]).ToJsonString()), jwt);
            Count(result, first.Status);
            Count(result, replay.Status);
            result.Check(first.Status == 200, $"the genuine token before its replay got {first.Status}");
            if (replay.Status != 401)
            {
                accepted.Add($"replayed jti → {replay.Status}");
            }
        }
        result.Check(accepted.Count == 0, "JWT attacks accepted: " + string.Join("; ", accepted));
        result.Check(spyHits == 0, $"a jku off the allowlist was fetched {spyHits} times (SSRF)");
        result.Notes.Add($"JWT attacks: {attacks.Length + 3} sent, {accepted.Count} accepted; off-allowlist jku fetched {spyHits} times");

        // Tenant isolation.
        var alphaHook = await rig.OrderSelectAsync(rig.DriverA);
        result.Sent++;
        result.Answered += alphaHook.Status == 200 ? 1 : 0;
        if (alphaHook.CriticalCard is null)
        {
            // Cards come from the enrichment rules within the deadline; the first call may miss it while caches warm.
            alphaHook = await rig.OrderSelectAsync(rig.DriverA);
        }
        result.Check(alphaHook.CriticalCard is not null, "alpha's order-select returned no critical card (isolation not testable)");
        if (alphaHook.CriticalCard is not null)
        {
            var writesA = rig.SandboxA.State.Writes.Count;
            // beta acts on alpha's card with beta's valid credentials.
            var fbStatus = await rig.FeedbackAsync(rig.DriverB, alphaHook.CriticalCard);
            Count(result, fbStatus);
            // beta replays alpha's hookInstance: must not get alpha's stored answer.
            var body = rig.DriverB.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Ibuprofen]);
            body["hookInstance"] = alphaHook.HookInstance;
            using var response = await rig.DriverB.SendAsync("cds-order-select", body);
            var text = await response.Content.ReadAsStringAsync();
            Count(result, (int)response.StatusCode);
            result.Check(!text.Contains(alphaHook.CriticalCard, StringComparison.Ordinal), "beta, reusing alpha's hookInstance, received alpha's card");
            await Task.Delay(TimeSpan.FromSeconds(quick ? 4 : 8));
            result.Check(rig.SandboxA.State.Writes.Count == writesA, "beta's feedback on alpha's card wrote a note into alpha's Epic");
            result.Check(rig.SandboxB.State.Writes.Count == 0, "beta's feedback on alpha's card wrote a note into beta's Epic");
            result.Notes.Add($"isolation: beta feedback on alpha's card → {fbStatus}, notes written 0 expected (alpha {rig.SandboxA.State.Writes.Count - writesA}, beta {rig.SandboxB.State.Writes.Count}); beta reusing alpha's hookInstance saw alpha's card: {text.Contains(alphaHook.CriticalCard, StringComparison.Ordinal)}");
        }

        // Ops surfaces.
        if (rig.Ops is { } ops)
        {
            foreach (var path in new[] { "", "api/state" })
            {
                using var anonymous = await rig.Http.GetAsync(new Uri(ops.Url, path));
                using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(ops.Url, path));
                wrong.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:wrong")));
                using var wrongResponse = await rig.Http.SendAsync(wrong);
                using var right = new HttpRequestMessage(HttpMethod.Get, new Uri(ops.Url, path));
                right.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Rig.OpsUser}:{Rig.OpsPassword}")));
                using var rightResponse = await rig.Http.SendAsync(right);
                result.Check((int)anonymous.StatusCode is 401 or 403, $"ops /{path} without credential → {(int)anonymous.StatusCode}");
                result.Check((int)wrongResponse.StatusCode is 401 or 403, $"ops /{path} with a wrong password → {(int)wrongResponse.StatusCode}");
                result.Notes.Add($"ops /{path}: anonymous {(int)anonymous.StatusCode}, wrong password {(int)wrongResponse.StatusCode}, credential {(int)rightResponse.StatusCode}");
            }
        }

        // Request size limit.
        {
            var body = rig.DriverA.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Ibuprofen]);
            body["context"]!["padding"] = new string('a', 9 * 1024 * 1024);
            var (status, _) = await rig.PostRawAsync("cds-order-select", Encoding.UTF8.GetBytes(body.ToJsonString()));
            Count(result, status);
            result.Check(status == 413, $"a 9 MiB hook request got {status}, expected 413");
            result.Notes.Add($"size limit: 9 MiB body → {status}");
        }

        // Per-tenant rate limit: a burst from beta past its own limit (Rig: 10/s, burst 20) gets 429s; alpha is answered.
        {
            var n = quick ? 80 : 200;
            var statuses = new int[n];
            var gate = new SemaphoreSlim(16);
            await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var call = await rig.OrderSelectAsync(rig.DriverB, patient: SandboxPatients.NoData);
                    statuses[i] = call.Status;
                }
                finally
                {
                    gate.Release();
                }
            }));
            foreach (var s in statuses)
            {
                Count(result, s);
            }
            var limited = statuses.Count(s => s == 429);
            var alphaDuring = await rig.OrderSelectAsync(rig.DriverA, patient: SandboxPatients.NoData);
            Count(result, alphaDuring.Status);
            result.Notes.Add($"rate limit: {n} hooks from beta at 16 concurrent → {limited} answered 429; alpha meanwhile {alphaDuring.Status}");
            result.Check(limited > 0, $"{n} hooks from beta (limit 10/s, burst 20) got no 429");
            result.Check(statuses.All(s => s is 200 or 429), $"beta's burst got other answers: {string.Join(",", statuses.Where(s => s is not (200 or 429)).Distinct())}");
            result.Check(alphaDuring.Status == 200, $"alpha got {alphaDuring.Status} while beta was limited (limits must be per tenant)");
        }

        // Secrets in logs: every JWT this scenario sent, the fhirAuthorization token, the ops password, key material.
        var fhirAuth = rig.DriverA.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Ibuprofen])["fhirAuthorization"]?["access_token"]?.GetValue<string>();
        if (fhirAuth is not null)
        {
            secrets.Add(fhirAuth);
        }
        await Task.Delay(500);
        var leaks = new List<string>();
        foreach (var p in rig.AllProcesses())
        {
            var output = p.Output();
            foreach (var s in secrets)
            {
                if (output.Contains(s, StringComparison.Ordinal))
                {
                    leaks.Add($"{p.Name}: {(s.Length > 20 ? s[..12] + "…" : s == Rig.OpsPassword ? "ops password" : s)}");
                }
            }
            // Any JWT-looking string at all (eyJ…​.eyJ…).
            if (System.Text.RegularExpressions.Regex.IsMatch(output, @"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"))
            {
                leaks.Add($"{p.Name}: a JWT-shaped string");
            }
        }
        result.Check(leaks.Count == 0, "secrets in service output: " + string.Join("; ", leaks.Distinct()));
        result.Notes.Add($"secrets scanned: {secrets.Count} values over {rig.AllProcesses().Count()} service outputs; leaks {leaks.Distinct().Count()}");
        result.InTime = result.Answered;
        result.Crashes = rig.AnyCrashed(out _) ? 1 : 0;
        await spy.StopAsync();
    }

    private static void Count(ScenarioResult result, int status)
    {
        result.Sent++;
        if (status is >= 500 or 0)
        {
            result.FiveXx++;
            result.Notes.Add($"a request answered {(status == 0 ? "with a dropped connection" : status.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }
        else
        {
            result.Answered++;
        }
    }
}
