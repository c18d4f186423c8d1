using System.Text.RegularExpressions;
using Cds.Testing;

namespace Cds.Ops.Tests;

/// <summary>
/// Epic's behaviours are cited from the repository's own <c>docs/epic-behaviours.md</c>: no tracked file cites the
/// reference file outside the clone, and every item number cited exists in the document.
/// </summary>
public sealed partial class RepositoryStandsAloneTests
{
    private const string EpicBehaviours = "docs/epic-behaviours.md";

    [Fact]
    public void Every_citation_of_Epic_behaviours_names_an_item_of_docs_epic_behaviours()
    {
        var items = EpicBehaviourItems(File.ReadAllText(RepoSources.Combine("docs", "epic-behaviours.md")));
        Assert.True(items.Count >= 24, $"only {items.Count} numbered items read from {EpicBehaviours}: the parser is wrong");
        Assert.Equal(Enumerable.Range(1, items.Count), items.Order());

        var files = TrackedFiles().Where(f => f != EpicBehaviours && IsCitingKind(f)).ToList();
        var findings = files.SelectMany(f => CitationProblems(f, File.ReadAllText(Path.Combine(Root, f)), items)).ToList();
        Assert.True(findings.Count == 0, $"Cite Epic's behaviours as '{EpicBehaviours} item n' with an n the document has:\n"
            + string.Join("\n", findings));
        Assert.Contains(files, f => CitedItems(File.ReadAllText(Path.Combine(Root, f))).Any()); // the citation pattern matches the code
    }

    /// <summary>The citation scan itself: the outside file and a missing item are found, a good citation passes.</summary>
    [Fact]
    public void The_citation_scan_finds_the_outside_file_and_missing_items()
    {
        var items = EpicBehaviourItems("# x\n\n1. **One.** a\n2. **Two.** b\n   *Code:* c\n3. **Three.**\n");
        Assert.Equal([1, 2, 3], items);

        var outside = "EPIC" + ".md";
        Assert.Single(CitationProblems("a.cs", $"/// see ({outside} 2)", items));
        Assert.Single(CitationProblems("a.md", $"see `../shared/{outside}`", items));
        Assert.Single(CitationProblems("a.cs", $"// ({EpicBehaviours} item 7)", items));
        Assert.Single(CitationProblems("a.cs", $"// ({EpicBehaviours} items 2–4)", items));
        Assert.Empty(CitationProblems("a.cs", $"/// ({EpicBehaviours} item 2) and ({EpicBehaviours} items 1–3)\n// {EpicBehaviours}", items));
    }

    private static bool IsCitingKind(string path) =>
        Path.GetExtension(path) is ".cs" or ".md" or ".sh" or ".json" or ".yml" or ".yaml" or ".html" or ".csproj" or ".props";

    /// <summary>The item numbers of the document: lines starting "n. ".</summary>
    private static List<int> EpicBehaviourItems(string doc) =>
        [.. EpicBehaviourItem().Matches(doc).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Every item number cited in <paramref name="text"/> (a range "9–14" cites each of its numbers).</summary>
    private static IEnumerable<int> CitedItems(string text) =>
        Citation().Matches(text).SelectMany(m => m.Groups["from"].Value is var from && m.Groups["to"].Success
            ? Enumerable.Range(int.Parse(from), int.Parse(m.Groups["to"].Value) - int.Parse(from) + 1)
            : [int.Parse(from)]);

    private static IEnumerable<string> CitationProblems(string file, string text, IReadOnlyCollection<int> items)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (OutsideEpicFile().IsMatch(lines[i]))
            {
                yield return $"{file}:{i + 1}: cites the file outside the repository in: {lines[i].Trim()}";
            }

            foreach (var n in CitedItems(lines[i]).Where(n => !items.Contains(n)))
            {
                yield return $"{file}:{i + 1}: item {n} is not in {EpicBehaviours} in: {lines[i].Trim()}";
            }
        }
    }

    [GeneratedRegex(@"^(\d+)\. ", RegexOptions.Multiline)]
    private static partial Regex EpicBehaviourItem();

    [GeneratedRegex(@"docs/epic-behaviours\.md items? (?<from>\d+)(?:\s*[–-]\s*(?<to>\d+))?")]
    private static partial Regex Citation();

    [GeneratedRegex(@"\bEPIC\.md\b")]
    private static partial Regex OutsideEpicFile();
}
