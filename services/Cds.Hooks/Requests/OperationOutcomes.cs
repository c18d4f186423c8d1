using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cds.Hooks.Requests;

/// <summary>
/// Error bodies as FHIR R4 <c>OperationOutcome</c> (<c>application/fhir+json</c>): one issue per problem with
/// severity <c>error</c>, a code (invalid / required / structure / too-long / not-supported / not-found),
/// <c>diagnostics</c> = the message and <c>expression</c> = the field path. Used for every refusal: 400, 404, 405, 408,
/// 412, 413, 415, 429, 503, and 401/403 (one generic issue: the reason a token was refused is logged, never disclosed).
/// </summary>
public static class OperationOutcomes
{
    public const string ContentType = "application/fhir+json";

    /// <summary>An OperationOutcome result; each issue's code follows from <paramref name="status"/> (400 invalid, 404 not-found, 405 not-supported, 408 timeout, 412 required, 413 too-long, 415 not-supported).</summary>
    public static IResult Problem(int status, IEnumerable<(string path, string message)> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var code = DefaultCode(status);
        return Problem(status, problems.Select(p => new RequestProblem(p.path, p.message, code)));
    }

    /// <summary>An OperationOutcome result whose issues carry each problem's own code.</summary>
    public static IResult Problem(int status, IEnumerable<RequestProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return new FhirJsonResult(status, ToJson(problems));
    }

    /// <summary>The code used for an issue when only a status is known.</summary>
    public static ProblemCode DefaultCode(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => ProblemCode.Login,
        StatusCodes.Status403Forbidden => ProblemCode.Forbidden,
        StatusCodes.Status404NotFound => ProblemCode.NotFound,
        StatusCodes.Status405MethodNotAllowed => ProblemCode.NotSupported,
        StatusCodes.Status408RequestTimeout => ProblemCode.Timeout,
        StatusCodes.Status412PreconditionFailed => ProblemCode.Required,
        StatusCodes.Status413PayloadTooLarge => ProblemCode.TooLong,
        StatusCodes.Status415UnsupportedMediaType => ProblemCode.NotSupported,
        _ => ProblemCode.Invalid,
    };

    /// <summary>The OperationOutcome JSON (UTF-8). An empty problem list still yields one generic issue: FHIR requires ≥ 1.</summary>
    public static byte[] ToJson(IEnumerable<RequestProblem> problems)
    {
        var list = problems.ToList();
        if (list.Count == 0)
            list.Add(new RequestProblem("", "The request could not be processed.", ProblemCode.Invalid));

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("resourceType", "OperationOutcome");
            writer.WriteStartArray("issue");
            foreach (var p in list)
            {
                writer.WriteStartObject();
                writer.WriteString("severity", "error");
                writer.WriteString("code", p.IssueCode);
                if (p.Code == ProblemCode.DraftOrdersScopeMissing)
                {
                    writer.WriteStartObject("details");
                    writer.WriteStartArray("coding");
                    writer.WriteStartObject();
                    writer.WriteString("system", ProblemCodeSystem);
                    writer.WriteString("code", "draft-orders-scope-missing");
                    writer.WriteString("display", "Configuration fault: the Epic client lacks the unsigned-order scopes");
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteString("diagnostics", p.Message);
                if (!string.IsNullOrEmpty(p.Path))
                {
                    writer.WriteStartArray("expression");
                    writer.WriteStringValue(p.Path);
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Code system of the platform's own problem codes (issue.details.coding).</summary>
    public const string ProblemCodeSystem = "urn:cds-platform:problem";

    private sealed class FhirJsonResult(int status, byte[] body) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
    {
        public int? StatusCode => status;
        public string ContentType => OperationOutcomes.ContentType;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = OperationOutcomes.ContentType + "; charset=utf-8";
            httpContext.Response.ContentLength = body.Length;
            // Not RequestAborted: a refusal written because that token fired (the request timeout's 408) must still go
            // out; a write to a connection the client closed is discarded by the server anyway.
            await httpContext.Response.Body.WriteAsync(body, CancellationToken.None);
        }

        public override string ToString() => Encoding.UTF8.GetString(body);
    }
}
