using System.Text.Json;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Requests;

/// <summary>A resource read tolerantly: the resource, or the problems that refuse it; tolerated deviations are kept for logs.</summary>
public sealed record FhirReadResult(Resource? Resource, IReadOnlyList<RequestProblem> Problems, IReadOnlyList<RequestProblem> ToleratedIssues)
{
    public bool Succeeded => Resource is not null && Problems.Count == 0;

    /// <summary>The JSON as read, after the repairs (R4 shape): what the rules' facts are mapped from.</summary>
    public JsonElement? Json { get; init; }

    internal static FhirReadResult Failed(RequestProblem problem) => new(null, [problem], []);
}
