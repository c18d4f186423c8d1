using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cds.Rules;

/// <summary>
/// Sets one value of a rule's <c>parameters</c> by its name (<c>maxAgeDays</c>, <c>drugs[0].egfrBelow</c>). Only
/// where the value goes is decided here; whether the kind knows the member, its type and its range are decided by the
/// kind's own record and checks when the patched file is read again.
/// </summary>
internal static partial class ParameterPatch
{
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*(\[\d+\])*(\.[A-Za-z][A-Za-z0-9]*(\[\d+\])*)*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(?<member>[A-Za-z][A-Za-z0-9]*)(\[(?<index>\d+)\])*$")]
    private static partial Regex SegmentPattern();

    /// <summary>The value written and the name as the file spells it (members matched case-insensitively, as configuration keys are); or the problem.</summary>
    public static (string Name, JsonNode? Value, string? Error) Set(JsonObject parameters, string name, string value)
    {
        if (!NamePattern().IsMatch(name))
        {
            return (name, null, "is not a parameter name (a member of the rule's parameters, e.g. maxAgeDays or drugs[0].egfrBelow)");
        }

        var segments = name.Split('.');
        JsonObject current = parameters;
        var spelt = "";
        for (var s = 0; s < segments.Length; s++)
        {
            var match = SegmentPattern().Match(segments[s]);
            var typed = match.Groups["member"].Value;
            var member = current.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, typed, StringComparison.OrdinalIgnoreCase)) ?? typed;
            spelt += (s == 0 ? "" : ".") + member;
            var indices = match.Groups["index"].Captures.Select(c => int.Parse(c.Value, CultureInfo.InvariantCulture)).ToList();
            var lastSegment = s == segments.Length - 1;
            if (lastSegment && indices.Count == 0)
            {
                return Write(spelt, current[member], value, v => current[member] = v);
            }

            if (current[member] is not { } next)
            {
                return (spelt, null, "is not a known property");
            }

            for (var i = 0; i < indices.Count; i++)
            {
                if (next is not JsonArray array)
                {
                    return (spelt, null, "is not a list");
                }

                var index = indices[i];
                if (index >= array.Count)
                {
                    return (spelt, null, $"has {array.Count} item(s): no [{index}]");
                }

                spelt += $"[{index}]";
                if (lastSegment && i == indices.Count - 1)
                {
                    return Write(spelt, array[index], value, v => array[index] = v);
                }

                next = array[index]!;
            }

            if (next is not JsonObject inner)
            {
                return (spelt, null, "has no members");
            }

            current = inner;
        }

        return (spelt, null, "names no value");
    }

    /// <summary>
    /// A string where the file has a string; otherwise a number or true/false when the text is one (else a string:
    /// the kind's record then says what it expects). A list or an object cannot be replaced by one value.
    /// </summary>
    private static (string, JsonNode?, string?) Write(string name, JsonNode? existing, string text, Action<JsonNode> write)
    {
        var kind = existing?.GetValueKind();
        if (kind is JsonValueKind.Array or JsonValueKind.Object)
        {
            return (name, null, $"is {(kind == JsonValueKind.Array ? "a list" : "an object")}: name one of its values (e.g. {name}[0]…)");
        }

        JsonNode node = kind != JsonValueKind.String && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : kind != JsonValueKind.String && bool.TryParse(text, out var flag)
                ? JsonValue.Create(flag)
                : JsonValue.Create(text);
        write(node);
        return (name, node, null);
    }
}
