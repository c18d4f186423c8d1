using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Cds.Rules;

/// <summary>
/// The structure of the rule files comes from their records: System.Text.Json with required members (constructor
/// parameters without a default, <c>required</c> properties), nullable annotations respected and unknown members
/// refused. Its first structural error in a file is turned into file + path + a short message.
/// </summary>
internal static partial class RuleJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    [GeneratedRegex(@"missing required properties including: (?<names>.*)\.?$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"The JSON property '(?<name>[^']+)' could not be mapped")]
    private static partial Regex Unmapped();

    [GeneratedRegex(@"could not be converted to (?<type>\S+?)\.?\s+Path:")]
    private static partial Regex Converted();

    [GeneratedRegex(@"'(?<name>[^']+)'")]
    private static partial Regex Quoted();

    /// <summary>Deserializes <paramref name="element"/>, or records its first structural problem and returns null.</summary>
    public static T? Read<T>(JsonElement element, ErrorSink sink)
        where T : class
    {
        if (Blank(element, "$") is { } blank)
        {
            sink.Add(blank.Path, blank.Message);
            return null;
        }

        try
        {
            return element.Deserialize<T>(Options) ?? throw new JsonException("must not be null");
        }
        catch (JsonException ex)
        {
            Report(ex, sink);
            return null;
        }
    }

    /// <summary>
    /// What the records cannot say: a null list item (nullable annotations do not reach list items) or a blank string
    /// (no member of a rule file may be one). Returns the path and the problem of the first.
    /// </summary>
    private static (string Path, string Message)? Blank(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Select(p => Blank(p.Value, $"{path}.{p.Name}")).FirstOrDefault(p => p is not null),
        JsonValueKind.Array => element.EnumerateArray()
            .Select((item, i) => item.ValueKind == JsonValueKind.Null ? ($"{path}[{i}]", "must not be null") : Blank(item, $"{path}[{i}]"))
            .FirstOrDefault(p => p is not null),
        JsonValueKind.String when string.IsNullOrWhiteSpace(element.GetString()) => (path, "must not be empty"),
        _ => null,
    };

    private static void Report(JsonException ex, ErrorSink sink)
    {
        var path = ex.Path ?? "$";
        var message = ex.Message;
        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            foreach (Match name in Quoted().Matches(missing.Groups["names"].Value))
            {
                sink.Add($"{path}.{name.Groups["name"].Value}", "is required");
            }

            return;
        }

        if (Unmapped().Match(message) is { Success: true } unmapped)
        {
            var name = unmapped.Groups["name"].Value;
            sink.Add(path.EndsWith("." + name, StringComparison.Ordinal) ? path : $"{path}.{name}", "is not a known property");
            return;
        }

        if (Converted().Match(message) is { Success: true } converted)
        {
            sink.Add(path, Expected(converted.Groups["type"].Value, path));
            return;
        }

        // Null where the record does not allow it (nullable annotations are respected), and anything else STJ says.
        sink.Add(path, message.Contains("null", StringComparison.OrdinalIgnoreCase) ? "must not be null" : message);
    }

    /// <summary>
    /// "must be a number" and the like. STJ names the member's type, or (for a constructor parameter) the record's:
    /// then the member is looked up by the last name of the path.
    /// </summary>
    private static string Expected(string typeName, string path)
    {
        var type = typeof(RuleJson).Assembly.GetType(typeName) ?? Type.GetType(typeName);
        var member = path.Split('.')[^1].Split('[')[0];
        if (type is not null && type.Assembly == typeof(RuleJson).Assembly
            && type.GetProperty(member, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { } property)
        {
            type = property.PropertyType;
        }

        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(decimal) || type == typeof(int) => "must be a number",
            _ when type == typeof(string) => "must be a string",
            _ when type == typeof(bool) => "must be true or false",
            _ when type is not null && type.IsGenericType && type.Name.StartsWith("IReadOnlyList", StringComparison.Ordinal) => "must be an array",
            _ when type is null && typeName.Contains("List", StringComparison.Ordinal) => "must be an array",
            _ => "must be an object",
        };
    }
}
