using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>Epic-style OperationOutcomes: details.coding.system = urn:oid:1.2.840.114350.1.13.{instance}.7.2.657369.</summary>
public static class EpicOutcomes
{
    public const string SystemSuffix = ".7.2.657369";

    public static string System(string instanceOid) => $"urn:oid:1.2.840.114350.1.13.{instanceOid}{SystemSuffix}";

    public static JsonObject Issue(string instanceOid, string severity, string code, string epicCode, string text, string? location = null, string? diagnostics = null)
    {
        var issue = new JsonObject
        {
            ["severity"] = severity,
            ["code"] = code,
            ["details"] = new JsonObject
            {
                ["coding"] = new JsonArray(new JsonObject { ["system"] = System(instanceOid), ["code"] = epicCode, ["display"] = text }),
                ["text"] = text,
            },
        };
        if (diagnostics is not null)
        {
            issue["diagnostics"] = diagnostics;
        }

        if (location is not null)
        {
            issue["location"] = new JsonArray(location);
            issue["expression"] = new JsonArray(location.StartsWith("http.", StringComparison.Ordinal) ? location[5..] : location);
        }

        return issue;
    }

    public static JsonObject Outcome(params JsonObject[] issues) =>
        new() { ["resourceType"] = "OperationOutcome", ["issue"] = new JsonArray(issues.Select(i => (JsonNode)i).ToArray()) };

    /// <summary>4101 "Resource request returns no results." (severity warning).</summary>
    public static JsonObject NoResults(string instanceOid) =>
        Outcome(Issue(instanceOid, "warning", "processing", "4101", "Resource request returns no results."));

    /// <summary>4122 "An unknown query parameter was supplied by the client." (the parameter is ignored).</summary>
    public static JsonObject UnknownParameter(string instanceOid, string parameter) =>
        Outcome(Issue(instanceOid, "warning", "informational", "4122", "An unknown query parameter was supplied by the client.", "http." + parameter));
}
