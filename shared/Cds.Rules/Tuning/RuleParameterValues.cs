using System.Text.Json;

namespace Cds.Rules;

/// <summary>A rule's effective parameter values, for people (<c>Cds.Ops tenants check</c>): its thresholds and switches.</summary>
public static class RuleParameterValues
{
    /// <summary>
    /// Every number and true/false of the rule's <c>parameters</c> (thresholds, windows: the values worth tuning) and
    /// every overridden value, by name as a tenant would set it (<c>drugs[0].egfrBelow</c>), in file order.
    /// </summary>
    public static IReadOnlyList<(string Name, string Value, bool Overridden)> Of(RuleDefinition rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var values = new List<(string, string, bool)>();
        if (rule.Root.ValueKind == JsonValueKind.Object && rule.Root.TryGetProperty("parameters", out var parameters))
        {
            Walk(parameters, "", rule.Overrides, values);
        }

        return values;
    }

    private static void Walk(JsonElement element, string name, IReadOnlyDictionary<string, string> overrides, List<(string, string, bool)> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    Walk(member.Value, name.Length == 0 ? member.Name : $"{name}.{member.Name}", overrides, values);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{name}[{i++}]", overrides, values);
                }

                break;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
            case JsonValueKind.String when overrides.ContainsKey(name):
                values.Add((name, element.GetRawText(), overrides.ContainsKey(name)));
                break;
        }
    }
}
