using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cds.EpicSandbox.Conformance;

namespace Cds.EpicSandbox;

/// <summary>The Epic side of a hook call: builds Epic-shaped requests from sandbox data, signs them like Epic and POSTs them.</summary>
public sealed class EpicHookDriver
{
    private readonly IEpicSide _epic;
    private readonly HttpClient _http;

    public EpicHookDriver(EpicSandboxServer sandbox, Uri cdsServicesBaseUrl, HttpClient? http = null)
        : this(new InProcessEpic(sandbox), cdsServicesBaseUrl, http)
    {
    }

    /// <summary>Drives a sandbox running in another process (e.g. `serve`): data and tokens come from its /_sandbox/hooks endpoints.</summary>
    public EpicHookDriver(Uri sandboxBaseUrl, Uri cdsServicesBaseUrl, HttpClient? http = null)
        : this(new RemoteEpic(sandboxBaseUrl, http ?? new HttpClient()), cdsServicesBaseUrl, http)
    {
    }

    private EpicHookDriver(IEpicSide epic, Uri cdsServicesBaseUrl, HttpClient? http)
    {
        _epic = epic;
        CdsServicesBaseUrl = cdsServicesBaseUrl.ToString().EndsWith('/') ? cdsServicesBaseUrl : new Uri(cdsServicesBaseUrl + "/");
        _http = http ?? new HttpClient();
    }

    public Uri CdsServicesBaseUrl { get; }

    /// <summary>Fixed `aud` for every hook JWT (what the health system typed in). Null = the URL being called.</summary>
    public string? Audience { get; set; }

    /// <summary>The `sub` of the hook JWT (our CDS client id).</summary>
    public string ClientId { get; set; } = SandboxClients.CdsHooksClientId;

    /// <summary>
    /// Like a strict Epic (default true): every 200 answer to a hook call is checked against the CDS Hooks 2.0 response
    /// schema (<see cref="CdsHooksSchema"/>) and <see cref="SendAsync(string, JsonObject, CancellationToken)"/> throws
    /// <see cref="CdsHooksConformanceException"/> with the violations. False only for hosts that are not CDS services.
    /// </summary>
    public bool Strict { get; set; } = true;

    /// <summary>Default userId of hook contexts.</summary>
    public string UserId { get; set; } = "PractitionerRole/" + SandboxPatients.PractitionerRoleId;

    /// <summary>The `iss` of hook JWTs and `fhirServer`'s base: the sandbox FHIR base (ends with '/').</summary>
    public Uri FhirBaseUrl => _epic.FhirBaseUrl;

    public Uri HookJwksUrl => _epic.HookJwksUrl;

    /// <summary>Signs a hook JWT exactly like Epic: RS384, header jku/kid (standard base64)/typ JWT; iss, sub, aud, iat, nbf = iat − 300, exp = iat + 900, jti.</summary>
    public string SignHookJwt(string audience, Action<JwtOverrides>? tweak = null)
    {
        var now = DateTimeOffset.UtcNow;
        var keys = _epic.Keys;
        var header = new JsonObject { ["alg"] = "RS384", ["jku"] = HookJwksUrl.ToString(), ["kid"] = keys.Rs384Kid, ["typ"] = "JWT" };
        var payload = new JsonObject
        {
            ["aud"] = audience,
            ["exp"] = now.ToUnixTimeSeconds() + 900,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = FhirBaseUrl.ToString(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["nbf"] = now.ToUnixTimeSeconds() - 300,
            ["sub"] = ClientId,
        };
        Action<JwtOverrides> withKid = o =>
        {
            tweak?.Invoke(o);
            if (o.Alg == "ES384" && o.Kid is null && !o.Omit.Contains("kid"))
            {
                o.Kid = keys.Es384Kid;
            }
        };
        var secret = Encoding.UTF8.GetBytes(keys.Jwks().ToJsonString());
        return JwtComposer.Sign(header, payload, alg => alg.StartsWith("ES", StringComparison.Ordinal) ? keys.Es384 : keys.Rs384, withKid, secret);
    }

    public JsonObject BuildPatientView(string patientId, HookOptions? options = null) =>
        Build("patient-view", "60", patientId, null, options ?? new HookOptions());

    public JsonObject BuildOrderSelect(string patientId, IEnumerable<DraftMedication> drafts, HookOptions? options = null) =>
        Build("order-select", "18", patientId, drafts.ToList(), options ?? new HookOptions());

    public JsonObject BuildOrderSign(string patientId, IEnumerable<DraftMedication> drafts, HookOptions? options = null) =>
        Build("order-sign", "23", patientId, drafts.ToList(), options ?? new HookOptions());

    /// <summary>One feedback item in the spec or Epic shape, wrapped as {"feedback":[item]}.</summary>
    public JsonObject BuildFeedback(string cardUuid, string outcome, FeedbackShape shape = FeedbackShape.Epic,
        IEnumerable<string>? acceptedSuggestionIds = null, string? overrideReasonCode = null, string? overrideReasonDisplay = null,
        string? userComment = null, DateTimeOffset? at = null)
    {
        var item = new JsonObject
        {
            ["card"] = cardUuid,
            ["outcome"] = outcome,
            ["outcomeTimestamp"] = (at ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
        if (outcome == "accepted")
        {
            item["acceptedSuggestions"] = new JsonArray((acceptedSuggestionIds ?? []).Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray());
        }
        else if (outcome == "overridden" && (overrideReasonCode is not null || overrideReasonDisplay is not null || userComment is not null))
        {
            if (shape == FeedbackShape.Spec)
            {
                var reason = new JsonObject();
                if (overrideReasonCode is not null)
                {
                    reason["reason"] = new JsonObject
                    {
                        ["code"] = overrideReasonCode,
                        ["system"] = "http://example.org/cds-services/fhir/CodeSystem/override-reasons",
                        ["display"] = overrideReasonDisplay ?? overrideReasonCode,
                    };
                }

                if (userComment is not null)
                {
                    reason["userComment"] = userComment;
                }

                item["overrideReason"] = reason;
            }
            else
            {
                var reasons = new JsonObject
                {
                    ["extension"] = new JsonObject
                    {
                        ["com.epic.cdshooks.feedback.overrideReason.reasonCategory"] = overrideReasonCode ?? "45",
                        ["com.epic.cdshooks.feedback.overrideReason.reasonDisplay"] = overrideReasonDisplay ?? "Does not meet criteria",
                        ["com.epic.cdshooks.feedback.overrideReason.reasonTitle"] = overrideReasonDisplay ?? "Does not meet criteria",
                    },
                };
                if (userComment is not null)
                {
                    reasons["userComment"] = userComment;
                }

                item["overrideReasons"] = reasons;
            }
        }

        return new JsonObject { ["feedback"] = new JsonArray(item) };
    }

    /// <summary>Several feedback bodies merged into one batch (Epic sometimes batches).</summary>
    public static JsonObject CombineFeedback(params JsonObject[] feedbacks) =>
        new() { ["feedback"] = new JsonArray(feedbacks.SelectMany(f => f["feedback"]!.AsArray()).Select(i => i!.DeepClone()).ToArray()) };

    /// <summary>Signs and POSTs a hook request to {CdsServicesBaseUrl}{serviceId}.</summary>
    public Task<HttpResponseMessage> SendAsync(string serviceId, JsonObject request, CancellationToken ct = default) =>
        SendAsync(serviceId, request, null, ct);

    public Task<HttpResponseMessage> SendAsync(string serviceId, JsonObject request, Action<JwtOverrides>? tweak, CancellationToken ct = default) =>
        PostAsync(new Uri(CdsServicesBaseUrl, serviceId), request, tweak, ct);

    /// <summary>Signs and POSTs feedback to {CdsServicesBaseUrl}{serviceId}/feedback.</summary>
    public Task<HttpResponseMessage> SendFeedbackAsync(string serviceId, JsonObject feedback, CancellationToken ct = default) =>
        PostAsync(new Uri(CdsServicesBaseUrl, serviceId + "/feedback"), feedback, null, ct);

    /// <summary>GET {CdsServicesBaseUrl} (discovery); when <see cref="Strict"/>, a 200 answer must pass the discovery schema.</summary>
    public async Task<HttpResponseMessage> GetDiscoveryAsync(CancellationToken ct = default)
    {
        var response = await _http.GetAsync(new Uri(CdsServicesBaseUrl.ToString().TrimEnd('/')), ct);
        await CheckAsync(response, CdsHooksDocument.Discovery, "GET " + CdsServicesBaseUrl, ct);
        return response;
    }

    private async Task<HttpResponseMessage> PostAsync(Uri url, JsonObject body, Action<JwtOverrides>? tweak, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SignHookJwt(Audience ?? url.ToString(), tweak));
        var response = await _http.SendAsync(message, ct);
        if (!url.AbsolutePath.EndsWith("/feedback", StringComparison.Ordinal))
        {
            await CheckAsync(response, CdsHooksDocument.Response, "POST " + url, ct);
        }

        return response;
    }

    /// <summary>A 200 answer is read into a buffer (callers can still read it) and checked; on violations the response is disposed and the call throws.</summary>
    private async Task CheckAsync(HttpResponseMessage response, CdsHooksDocument document, string what, CancellationToken ct)
    {
        if (!Strict || response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            return;
        }

        await response.Content.LoadIntoBufferAsync(ct);
        var violations = CdsHooksSchema.Validate(document, await response.Content.ReadAsStringAsync(ct));
        if (violations.Count > 0)
        {
            response.Dispose();
            throw new CdsHooksConformanceException(what, violations);
        }
    }

    private JsonObject Build(string hook, string trigger, string patientId, List<DraftMedication>? drafts, HookOptions o)
    {
        var userId = o.UserId ?? UserId;
        var context = new JsonObject { ["userId"] = userId, ["patientId"] = patientId };
        var encounterId = o.OmitEncounter ? null : o.EncounterId ?? _epic.LatestEncounterId(patientId);
        if (encounterId is not null)
        {
            context["encounterId"] = encounterId;
        }

        if (drafts is not null && o.IncludeDraftOrders)
        {
            var draftIds = drafts.Select(_ => DraftId()).ToList();
            if (hook == "order-select")
            {
                context["selections"] = new JsonArray((o.Selections ?? draftIds.Select(id => "MedicationRequest/" + id).ToList()).Select(s => (JsonNode)s).ToArray());
            }

            context["draftOrders"] = DraftOrders.Build(patientId, drafts, draftIds);
        }

        var request = new JsonObject
        {
            ["hookInstance"] = Guid.NewGuid().ToString(),
            ["fhirServer"] = FhirBaseUrl.ToString().TrimEnd('/'),
            ["hook"] = hook,
        };
        if (o.IncludeFhirAuthorization)
        {
            request["fhirAuthorization"] = _epic.MintFhirAuthorization();
        }

        request["context"] = context;
        var keys = o.PrefetchKeys ?? Prefetch.DefaultKeys;
        if (keys.Count > 0)
        {
            request["prefetch"] = _epic.Prefetch(patientId, userId, keys);
        }

        request["extension"] = new JsonObject
        {
            ["com.epic.cdshooks.request.bpa-trigger-action"] = o.BpaTriggerAction ?? trigger,
            ["com.epic.cdshooks.request.cds-hooks-specification-version"] = "1.0",
            ["com.epic.cdshooks.request.fhir-version"] = "R4",
            ["com.epic.cdshooks.request.criteria-id"] = o.CriteriaId,
            ["com.epic.cdshooks.request.epic-version"] = o.EpicVersion,
            ["com.epic.cdshooks.request.cds-hooks-implementation-version"] = "1.0",
            ["com.epic.cdshooks.request.cds-hooks-su-version"] = "0",
        };
        return request;
    }

    /// <summary>Epic draft order ids are long and contain '.' and '-'.</summary>
    private static string DraftId() => EpicId.New(120);
}
