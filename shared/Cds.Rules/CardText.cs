using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cds.Rules;

/// <summary>Card text templates: <c>{name}</c> placeholders filled from codes and values (never from free text).</summary>
public static partial class CardText
{
    /// <summary>Epic and the spec: summary strictly under 140 characters.</summary>
    public const int MaxSummaryLength = 139;

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();

    public static IReadOnlyList<string> PlaceholdersIn(string template) =>
        [.. Placeholder().Matches(template).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>Fills the placeholders. In markdown, inserted values are escaped so a unit like {1.73_m2} stays literal.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values, bool markdown) =>
        Placeholder().Replace(template, m =>
        {
            var value = values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value;
            return markdown ? EscapeMarkdown(value) : value;
        });

    /// <summary>A summary that fits; validation guarantees the templates do, this is the last guard.</summary>
    public static string FitSummary(string text) =>
        text.Length <= MaxSummaryLength ? text : string.Concat(text.AsSpan(0, MaxSummaryLength - 1), "…");

    public static string EscapeMarkdown(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var ch in value)
        {
            if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '|')
            {
                builder.Append('\\');
            }

            builder.Append(ch);
        }

        return builder.ToString();
    }

    public static string Number(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Date(DateTimeOffset value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
