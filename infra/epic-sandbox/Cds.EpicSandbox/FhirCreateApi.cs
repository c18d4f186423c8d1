using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Cds.EpicSandbox;

/// <summary>The create interaction of <see cref="FhirApi"/>: DocumentReference and Observation only, Epic's validation, If-None-Exist,
/// Location and no body unless Prefer: return=representation; every attempt is recorded as a <see cref="WriteRecord"/>.</summary>
internal sealed class FhirCreateApi(EpicSandboxServer server)
{
    private static readonly HashSet<string> Creatable = new(StringComparer.Ordinal) { "DocumentReference", "Observation" };

    private SandboxSettings Settings => server.Settings;

    public async System.Threading.Tasks.Task CreateAsync(HttpContext ctx, string type, AccessTokenInfo token)
    {
        var ifNoneExist = ctx.Request.Headers["If-None-Exist"].ToString();
        ifNoneExist = string.IsNullOrWhiteSpace(ifNoneExist) ? null : ifNoneExist;
        var contentType = ctx.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/fhir+json", StringComparison.OrdinalIgnoreCase)
            && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await Reject(ctx, type, null, ifNoneExist, token, 415, server.Fhir.Error("fatal", "not-supported", "59100", "Content invalid against the specification or a profile.",
                "Content-Type must be application/fhir+json."));
            return;
        }

        if (!Creatable.Contains(type))
        {
            await Reject(ctx, type, null, ifNoneExist, token, 405, server.Fhir.Error("fatal", "not-supported", "4100", "The interaction is not supported."));
            return;
        }

        string body;
        using (var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(ctx.RequestAborted);
        }

        Resource resource;
        try
        {
            resource = FhirJson.Parse(body);
        }
        catch (Exception e) when (e is DeserializationFailedException or JsonException or InvalidCastException)
        {
            await Reject(ctx, type, null, ifNoneExist, token, 400, server.Fhir.Error("fatal", "structure", "59100", "Content invalid against the specification or a profile.",
                "The body is not a valid FHIR R4 JSON resource."));
            return;
        }

        var identifiers = ResourceFields.IdentifiersOf(resource).Select(i => $"{i.System}|{i.Value}").ToList();
        if (resource.TypeName != type)
        {
            await Reject(ctx, type, identifiers, ifNoneExist, token, 400, server.Fhir.Error("fatal", "invalid", "59100", "Content invalid against the specification or a profile.",
                $"The body is a {resource.TypeName}, not a {type}."));
            return;
        }

        var patientId = ResourceFields.PatientIdOf(resource);
        if (patientId is null || server.Store.Get("Patient", patientId) is null)
        {
            await Reject(ctx, type, identifiers, ifNoneExist, token, 400, server.Fhir.Error("fatal", "invalid", "59100", "Content invalid against the specification or a profile.",
                "The subject must reference an existing Patient."));
            return;
        }

        var problem = Validate(resource);
        if (problem is not null)
        {
            await Reject(ctx, type, identifiers, ifNoneExist, token, 400, server.Fhir.Error("fatal", "required", "59100", "Content invalid against the specification or a profile.", problem));
            return;
        }

        (int Status, JsonObject Body, Resource? Stored, WriteOutcome Outcome) result;
        lock (_createGate)
        {
            if (ifNoneExist is not null)
            {
                var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(ifNoneExist.TrimStart('?'))
                    .SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? ""))).ToList();
                SearchError? searchError = null;
                var existing = q.Count == 0 ? null : server.Search.Search(type, q, out searchError, conditional: true);
                if (existing is null || searchError is not null)
                {
                    result = (400, server.Fhir.Error("fatal", "value", "4100", "The resource request contained an invalid parameter.", "If-None-Exist is not a valid search."), null, WriteOutcome.Rejected);
                }
                else if (existing.Matches.Count > 1)
                {
                    result = (412, server.Fhir.Error("error", "duplicate", "4100", "Multiple matches for If-None-Exist."), null, WriteOutcome.Rejected);
                }
                else if (existing.Matches.Count == 1)
                {
                    result = (200, FhirJson.ToNode(existing.Matches[0]), existing.Matches[0], WriteOutcome.MatchedExisting);
                }
                else
                {
                    result = Store(resource);
                }
            }
            else
            {
                result = Store(resource);
            }
        }

        var (status, responseBody, stored, outcome) = result;
        server.State.Add(new WriteRecord(server.Time.GetUtcNow(), type, stored?.Id, identifiers, patientId, ifNoneExist, outcome, status, token.ClientId));
        if (stored is not null)
        {
            ctx.Response.Headers.Location = $"{server.FhirBaseUrl}{type}/{stored.Id}";
        }

        var prefer = ctx.Request.Headers["Prefer"].ToString();
        if (status is 200 or 201 && !prefer.Contains("return=representation", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = status; // Epic answers a create with Location and no body.
            return;
        }

        await FhirApi.WriteJson(ctx, status, responseBody);
    }

    private readonly object _createGate = new();

    private (int, JsonObject, Resource?, WriteOutcome) Store(Resource resource)
    {
        resource.Id = EpicId.New();
        if (!Settings.TypesWithoutLastUpdated.Contains(resource.TypeName))
        {
            (resource.Meta ??= new Meta()).LastUpdated = server.Time.GetUtcNow();
            resource.Meta.VersionId = "1";
        }

        server.Store.Put(resource, seeded: false);
        return (201, FhirJson.ToNode(resource), resource, WriteOutcome.Created);
    }

    private static string? Validate(Resource r) => r switch
    {
        DocumentReference d when d.Content.Count == 0 || d.Content.Any(c => c.Attachment?.Data is null && c.Attachment?.Url is null) =>
            "DocumentReference.content.attachment needs data or url.",
        DocumentReference d when d.Type is null => "DocumentReference.type is required (a note type Epic knows).",
        Observation o when o.Code is null || o.Code.Coding.Count == 0 => "Observation.code needs a coding.",
        Observation o when o.Status is null => "Observation.status is required.",
        _ => null,
    };

    private async System.Threading.Tasks.Task Reject(HttpContext ctx, string type, IReadOnlyList<string>? identifiers, string? ifNoneExist, AccessTokenInfo token, int status, JsonObject outcome)
    {
        server.State.Add(new WriteRecord(server.Time.GetUtcNow(), type, null, identifiers ?? [], null, ifNoneExist, WriteOutcome.Rejected, status, token.ClientId));
        await FhirApi.WriteJson(ctx, status, outcome);
    }
}
