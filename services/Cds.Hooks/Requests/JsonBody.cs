using System.Text.Json;

namespace Cds.Hooks.Requests;

/// <summary>JSON helpers shared by the request and feedback readers.</summary>
internal static class JsonBody
{
    /// <summary>Parses with a depth limit, no duplicate members, no comments or trailing commas; returns a standalone root (no disposal needed).</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, int maxDepth, out JsonElement root, out RequestProblem? problem)
    {
        root = default;
        problem = null;
        if (json.StartsWith("\uFEFF"u8))
            json = json[3..]; // a UTF-8 byte order mark is tolerated
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            problem = new RequestProblem("$", "The body is not valid UTF-8.", ProblemCode.Structure);
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions
            {
                MaxDepth = maxDepth,
                AllowDuplicateProperties = false,
                AllowTrailingCommas = false,
                CommentHandling = JsonCommentHandling.Disallow,
            });
            root = document.RootElement.Clone();
            return true;
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1})" : "";
            var message = ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? $"The JSON is nested deeper than {maxDepth} levels{where}."
                : ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                    ? "The JSON has a duplicate member name."
                    : $"The body is not valid JSON{where}.";
            problem = new RequestProblem("$", message, ProblemCode.Structure);
            return false;
        }
    }

    /// <summary>Problems for arrays longer than <paramref name="maxItems"/> (first 10 found).</summary>
    public static IReadOnlyList<RequestProblem> CheckArrays(JsonElement root, int maxItems)
    {
        var problems = new List<RequestProblem>();
        Walk(root, "", maxItems, problems);
        return problems;
    }

    private static void Walk(JsonElement element, string path, int maxItems, List<RequestProblem> problems)
    {
        if (problems.Count >= 10)
            return;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                    Walk(p.Value, JsonPath.Member(path, p.Name), maxItems, problems);
                break;
            case JsonValueKind.Array:
                var length = element.GetArrayLength();
                if (length > maxItems)
                {
                    problems.Add(new RequestProblem(path.Length == 0 ? "$" : path, $"The array has {length} items; at most {maxItems} are accepted.", ProblemCode.TooLong));
                    return;
                }
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    Walk(item, JsonPath.Index(path, i++), maxItems, problems);
                break;
        }
    }
}
