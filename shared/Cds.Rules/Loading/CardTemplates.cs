namespace Cds.Rules;

/// <summary>
/// The worst-case card text check: every template the kind needs is there and no other, placeholders are the kind's,
/// and each summary rendered with the longest values stays under Epic's 140 characters.
/// </summary>
internal static class CardTemplates
{
    public static void Check(IReadOnlyDictionary<string, string> templates, IRuleKind kind, ErrorSink sink, Func<IReadOnlyDictionary<string, string>> worstCase)
    {
        foreach (var name in kind.Templates.Keys.Where(n => !templates.ContainsKey(n)))
        {
            sink.Add($"$.templates.{name}", "is required");
        }

        IReadOnlyDictionary<string, string>? samples = null;
        foreach (var (name, text) in templates)
        {
            var path = $"$.templates.{name}";
            if (!kind.Templates.TryGetValue(name, out var allowed))
            {
                sink.Add(path, $"is not a template of a {kind.Name} rule (expected: {string.Join(", ", kind.Templates.Keys)})");
                continue;
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                sink.Add(path, "must not be empty");
                continue;
            }

            var unknown = CardText.PlaceholdersIn(text).Where(p => !allowed.Contains(p, StringComparer.Ordinal)).ToList();
            if (unknown.Count > 0)
            {
                sink.Add(path, $"unknown placeholder(s) {string.Join(", ", unknown.Select(u => "{" + u + "}"))} (allowed: {string.Join(", ", allowed.Select(a => "{" + a + "}"))})");
                continue;
            }

            if (name.StartsWith("summary", StringComparison.Ordinal))
            {
                samples ??= worstCase();
                var rendered = CardText.Render(text, samples, markdown: false);
                if (rendered.Length > CardText.MaxSummaryLength)
                {
                    sink.Add(path, $"renders to {rendered.Length} characters with the longest values; a summary must stay under 140");
                }
            }
        }
    }
}
