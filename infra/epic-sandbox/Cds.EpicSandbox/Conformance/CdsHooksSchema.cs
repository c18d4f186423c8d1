using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Cds.EpicSandbox.Conformance;

/// <summary>
/// The CDS Hooks 2.0 service response and discovery document as JSON Schema (draft 2020-12), embedded from
/// <c>Conformance/*.schema.json</c>: each constraint carries a <c>$comment</c> naming the spec section and requirement id.
/// The sandbox plays a strict Epic: its hook driver checks every answer with this.
/// </summary>
public static class CdsHooksSchema
{
    public const string ResponseResource = "Cds.EpicSandbox.Conformance.cds-hooks-2.0-response.schema.json";
    public const string DiscoveryResource = "Cds.EpicSandbox.Conformance.cds-hooks-2.0-discovery.schema.json";

    private static readonly Lazy<Loaded> Response = new(() => Load(ResponseResource));
    private static readonly Lazy<Loaded> Discovery = new(() => Load(DiscoveryResource));

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>The schema's text (for docs and tools).</summary>
    public static string Text(CdsHooksDocument document) => Of(document).Text;

    public static IReadOnlyList<SchemaViolation> Validate(CdsHooksDocument document, JsonElement body)
    {
        var schema = Of(document);
        var results = schema.Schema.Evaluate(body, Evaluation);
        if (results.IsValid)
        {
            return [];
        }

        // The list output holds every node evaluated. Not violations: the subschemas of `if` (failing there only picks
        // the branch) and of `not` (the `not` fails when they pass). A `not` reports no error of its own, so a failed
        // node with neither errors nor a failed node below it is reported by the keyword it holds.
        var failed = ((IEnumerable<EvaluationResults>?)results.Details ?? [results])
            .Where(d => !d.IsValid)
            .Select(d => (Detail: d, Path: d.EvaluationPath.ToString()))
            .Where(d => !Conditional(d.Path))
            .ToList();
        var violations = new List<SchemaViolation>();
        foreach (var (detail, path) in failed)
        {
            var pointer = detail.InstanceLocation.ToString();
            var requirement = schema.CommentAt(detail.SchemaLocation);
            if (detail.Errors is { Count: > 0 } errors)
            {
                foreach (var (keyword, message) in errors)
                {
                    violations.Add(keyword.Length == 0 && path.Contains("/additionalProperties", StringComparison.Ordinal)
                        ? new SchemaViolation(pointer, "additionalProperties", "a property the CDS Hooks 2.0 tables do not define (extensions go in \"extension\")", requirement)
                        : new SchemaViolation(pointer, keyword, message, requirement));
                }
            }
            else if (!failed.Any(f => f.Path.StartsWith(path + "/", StringComparison.Ordinal)) && schema.Holds(detail.SchemaLocation, "not"))
            {
                violations.Add(new SchemaViolation(pointer, "not", "matches what the schema forbids here", requirement));
            }
        }

        return violations.Distinct().ToList();
    }

    /// <summary>Validates a body as text; text that is not JSON is one violation at the root.</summary>
    public static IReadOnlyList<SchemaViolation> Validate(CdsHooksDocument document, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Validate(document, doc.RootElement);
        }
        catch (JsonException e)
        {
            return [new SchemaViolation("", "json", "not JSON: " + e.Message, "Use of JSON, req 1: data is exchanged as JSON")];
        }
    }

    /// <summary>Throws <see cref="CdsHooksConformanceException"/> listing every violation, if there are any.</summary>
    public static void EnsureValid(CdsHooksDocument document, string json, string what)
    {
        var violations = Validate(document, json);
        if (violations.Count > 0)
        {
            throw new CdsHooksConformanceException(what, violations);
        }
    }

    /// <summary>The one line a driver prints: valid, or the violations.</summary>
    public static string Summary(CdsHooksDocument document, IReadOnlyList<SchemaViolation> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        var name = document == CdsHooksDocument.Response ? "response" : "discovery document";
        return violations.Count == 0
            ? $"schema: CDS Hooks 2.0 {name} valid"
            : Describe($"schema: CDS Hooks 2.0 {name} INVALID", violations);
    }

    internal static string Describe(string what, IReadOnlyList<SchemaViolation> violations) =>
        $"{what}: {violations.Count} violation(s) of the CDS Hooks 2.0 schema{Environment.NewLine}  "
        + string.Join(Environment.NewLine + "  ", violations);

    private static bool Conditional(string evaluationPath) =>
        evaluationPath.Split('/').Any(segment => segment is "if" or "not");

    private static Loaded Of(CdsHooksDocument document) => document switch
    {
        CdsHooksDocument.Response => Response.Value,
        CdsHooksDocument.Discovery => Discovery.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(document), document, null),
    };

    private static Loaded Load(string resource)
    {
        using var stream = typeof(CdsHooksSchema).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded schema {resource} is missing from {typeof(CdsHooksSchema).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        // A registry of its own: the schema's $id is registered once per registry, and callers may load it next to others.
        var schema = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        return new Loaded(text, schema, JsonNode.Parse(text)!);
    }

    private sealed record Loaded(string Text, JsonSchema Schema, JsonNode Tree)
    {
        /// <summary>Whether the deepest schema node found along <paramref name="location"/> has the keyword.</summary>
        /// <remarks>JsonSchema.Net 8 can append a segment that names no node (e.g. <c>#/$defs/link/then/link</c>): the walk stops at the last real node.</remarks>
        public bool Holds(Uri? location, string keyword)
        {
            var segments = Segments(location);
            for (var length = segments.Count; length >= 0; length--)
            {
                if (Walk(segments.Take(length)) is { } node)
                {
                    return node is JsonObject o && o.ContainsKey(keyword);
                }
            }

            return false;
        }

        /// <summary>The $comment on the failing schema node or its nearest ancestor that has one.</summary>
        public string CommentAt(Uri? location)
        {
            var segments = Segments(location);
            for (var length = segments.Count; length >= 0; length--)
            {
                if (Walk(segments.Take(length)) is JsonObject node && node["$comment"] is JsonValue comment)
                {
                    return comment.GetValue<string>();
                }
            }

            return "";
        }

        private static List<string> Segments(Uri? location) =>
            Uri.UnescapeDataString(location?.Fragment.TrimStart('#') ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();

        private JsonNode? Walk(IEnumerable<string> segments)
        {
            var node = Tree;
            foreach (var segment in segments)
            {
                node = node switch
                {
                    JsonObject o => o[segment],
                    JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
                    _ => null,
                };
                if (node is null)
                {
                    return null;
                }
            }

            return node;
        }
    }
}
