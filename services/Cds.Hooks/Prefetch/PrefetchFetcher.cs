using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cds.Fhir.Http;
using Cds.Hooks.HookServices;
using Cds.Hooks.Requests;
using Cds.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Hooks.Prefetch;

/// <summary>
/// Fetches the prefetch keys a request did not carry from its <c>fhirServer</c> with its <c>fhirAuthorization</c>
/// token, inside the hook's time budget (CDS Hooks 2.0 §Prefetch). The token is used only during this call and never
/// stored or logged. Only a <c>fhirServer</c> that is the caller's tenant's own FHIR base is ever contacted.
/// </summary>
public sealed class PrefetchFetcher(IHttpClientFactory http, IOptionsMonitor<ConfiguredTenants> tenants, ILogger<PrefetchFetcher> log)
{
    public const string HttpClientName = "Cds.Hooks.Prefetch";

    public sealed record Outcome(PrefetchSet Fetched, IReadOnlyList<string> Failed);

    public async Task<Outcome> FetchMissingAsync(string tenant, CdsService service, HookRequest request, TimeSpan budget, CancellationToken ct)
    {
        var missing = request.Prefetch.MissingOf(service.Prefetch.Keys);
        if (missing.Count == 0)
        {
            return new Outcome(PrefetchSet.Empty, []);
        }
        if (request.FhirServer is null || request.FhirAuthorization is not { AccessToken.Length: > 0 } auth || budget <= TimeSpan.Zero)
        {
            return new Outcome(PrefetchSet.Empty, missing);
        }
        if (!IsTenantFhirServer(tenant, request.FhirServer))
        {
            log.LogWarning("Tenant {Tenant}: fhirServer of hook {HookInstance} is not the tenant's FHIR base; prefetch not fetched",
                tenant, request.HookInstance);
            return new Outcome(PrefetchSet.Empty, missing);
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(budget);
        var client = http.CreateClient(HttpClientName);
        var baseUrl = request.FhirServer.ToString().TrimEnd('/') + "/";
        var started = Stopwatch.GetTimestamp();

        var fetches = missing.Select(async key =>
        {
            var query = Render(service.Prefetch[key], request.ContextData);
            if (query is null)
            {
                return (key, (string?)null);
            }
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl + query));
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auth.AccessToken);
                message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
                FhirMeteringHandler.Describe(message, tenant, ResourceTypeOf(query));
                using var response = await client.SendAsync(message, cts.Token);
                if (!response.IsSuccessStatusCode)
                {
                    log.LogWarning("Prefetch {Key} for hook {HookInstance}: FHIR server answered {Status}", key, request.HookInstance, (int)response.StatusCode);
                    return (key, null);
                }
                return (key, await response.Content.ReadAsStringAsync(cts.Token));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                log.LogWarning("Prefetch {Key} for hook {HookInstance}: {Error} after {Ms:0} ms", key, request.HookInstance, ex.GetType().Name,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return (key, null);
            }
        });
        var results = await Task.WhenAll(fetches);

        var json = new StringBuilder("{");
        var failed = new List<string>();
        foreach (var (key, body) in results)
        {
            if (body is null)
            {
                failed.Add(key);
                continue;
            }
            if (json.Length > 1)
            {
                json.Append(',');
            }
            json.Append(JsonSerializer.Serialize(key)).Append(':').Append(body);
        }
        json.Append('}');
        try
        {
            using var doc = JsonDocument.Parse(json.ToString(), new JsonDocumentOptions { MaxDepth = 64 });
            var (set, problems) = PrefetchSet.Classify(doc.RootElement, "fetched", InvalidPrefetchHandling.TreatAsMissing);
            failed.AddRange(set.Items.Where(i => i.WasInvalid).Select(i => i.Key));
            return new Outcome(new PrefetchSet(set.Items.Where(i => !i.WasInvalid)), failed);
        }
        catch (JsonException)
        {
            return new Outcome(PrefetchSet.Empty, [.. missing]);
        }
    }

    /// <summary>Renders CDS Hooks 2.0 prefetch tokens; null when a token has no value in this context.</summary>
    public static string? Render(string template, HookContext context)
    {
        var (userType, userId) = context.UserId.Split('/') is [var t, var i] ? (t, i) : ("", "");
        var values = new Dictionary<string, string?>
        {
            ["context.patientId"] = context.PatientId,
            ["context.encounterId"] = context.EncounterId,
            ["context.userId"] = context.UserId,
            ["userPractitionerId"] = userType == "Practitioner" ? userId : null,
            ["userPractitionerRoleId"] = userType == "PractitionerRole" ? userId : null,
            ["userPatientId"] = userType == "Patient" ? userId : null,
            ["userRelatedPersonId"] = userType == "RelatedPerson" ? userId : null,
        };
        var result = new StringBuilder();
        var rest = template.AsSpan();
        while (true)
        {
            var open = rest.IndexOf("{{", StringComparison.Ordinal);
            if (open < 0)
            {
                result.Append(rest);
                return result.ToString();
            }
            var close = rest[open..].IndexOf("}}", StringComparison.Ordinal);
            if (close < 0)
            {
                return null;
            }
            var token = rest.Slice(open + 2, close - 2).Trim().ToString();
            if (!values.TryGetValue(token, out var value) || string.IsNullOrEmpty(value))
            {
                return null;
            }
            result.Append(rest[..open]).Append(Uri.EscapeDataString(value));
            rest = rest[(open + close + 2)..];
        }
    }

    /// <summary>The resource type a rendered prefetch query reads ("MedicationRequest?patient=…" → MedicationRequest).</summary>
    internal static string? ResourceTypeOf(string query)
    {
        var end = query.IndexOfAny(['?', '/']);
        var type = end < 0 ? query : query[..end];
        return type.Length > 0 && type.All(char.IsAsciiLetter) ? type : null;
    }

    private bool IsTenantFhirServer(string tenant, Uri fhirServer)
    {
        static string Norm(string? s) => (s ?? "").TrimEnd('/');
        if (tenants.CurrentValue.Find(tenant) is not { } settings)
        {
            return false;
        }
        var allowed = new[] { settings.FhirBaseUrl }
            .Concat(settings.HookAuth?.Issuers ?? [])
            .Where(v => !string.IsNullOrWhiteSpace(v))
            .Select(Norm);
        return allowed.Contains(Norm(fhirServer.ToString()), StringComparer.OrdinalIgnoreCase);
    }
}
