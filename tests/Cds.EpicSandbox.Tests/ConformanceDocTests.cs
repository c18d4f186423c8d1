using System.Text;
using System.Text.RegularExpressions;
using Cds.Testing;
using Xunit;

namespace Cds.EpicSandbox.Tests;

/// <summary>docs/conformance.md cannot drift from the official requirement list nor from the code it names.</summary>
public sealed partial class ConformanceDocTests
{
    private static readonly string[] Levels = ["SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT"];

    [GeneratedRegex(@"`([^`\s]+\.(?:cs|json|yaml|md))`(?: ([A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+))?")]
    private static partial Regex FileAndMember();

    /// <summary>(Req Set, ID) of every service-side SHALL/SHOULD requirement in the CSV.</summary>
    private static HashSet<(string Set, string Id)> ServiceSideRequirements()
    {
        var rows = Csv(File.ReadAllText(RepoSources.Combine("tests", "data", "cds-hooks", "requirements-cds-hooks-2.0.csv")));
        var header = rows[0];
        int Col(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidOperationException("no column " + name);
        var (set, id, level, actors) = (Col("Req Set"), Col("ID"), Col("Conformance"), Col("Actors"));
        return rows.Skip(1)
            .Where(r => r.Length > actors && Levels.Contains(r[level].Trim())
                && r[actors].Split(',').Select(a => a.Trim()).Any(a => a is "Service" or "Server"))
            .Select(r => (r[set].Trim(), r[id].Trim()))
            .ToHashSet();
    }

    private static List<string[]> DocRows() =>
        [.. File.ReadAllLines(RepoSources.Combine("docs", "conformance.md"))
            .Where(l => l.StartsWith("| cds-hooks", StringComparison.Ordinal))
            .Select(l => l.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray())];

    [Fact]
    public void Every_service_side_SHALL_and_SHOULD_has_exactly_one_row()
    {
        var expected = ServiceSideRequirements();
        Assert.True(expected.Count > 90, $"only {expected.Count} service-side requirements read from the CSV"); // the parser works
        var listed = DocRows().Select(r => (r[0], r[1])).ToList();

        Assert.Empty(expected.Except(listed).Select(k => $"{k.Item1} {k.Item2}"));
        Assert.Empty(listed.Except(expected).Select(k => $"{k.Item1} {k.Item2}"));
        Assert.Equal(listed.Count, listed.Distinct().Count());
    }

    [Fact]
    public void Every_row_has_a_status_a_place_and_a_proof_or_reason()
    {
        foreach (var row in DocRows())
        {
            Assert.True(row.Length == 7, $"row {row[0]} {row[1]} has {row.Length} cells, not 7");
            Assert.Contains(row[4], new[] { "Met", "Partly", "Deployment", "N/A" });
            Assert.False(string.IsNullOrWhiteSpace(row[5]), $"row {row[1]}: where");
            Assert.False(string.IsNullOrWhiteSpace(row[6]), $"row {row[1]}: shown by");
        }
    }

    [Fact]
    public void Every_file_and_test_the_doc_names_exists()
    {
        var text = File.ReadAllText(RepoSources.Combine("docs", "conformance.md"));
        var matches = FileAndMember().Matches(text);
        Assert.NotEmpty(matches);
        foreach (Match m in matches)
        {
            var path = m.Groups[1].Value;
            if (path.Contains('*', StringComparison.Ordinal))
            {
                Assert.NotEmpty(Directory.GetFiles(RepoSources.Combine(Path.GetDirectoryName(path)!), Path.GetFileName(path)));
                continue;
            }

            var file = RepoSources.Combine(path);
            Assert.True(File.Exists(file), $"docs/conformance.md names {path}, which does not exist");
            if (m.Groups[2].Success)
            {
                Assert.True(File.ReadAllText(file).Contains(m.Groups[2].Value, StringComparison.Ordinal),
                    $"docs/conformance.md names {m.Groups[2].Value} in {path}, which has no such name");
            }
        }
    }

    /// <summary>RFC 4180: quoted fields may hold commas, doubled quotes and line breaks.</summary>
    private static List<string[]> Csv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\n')
            {
                row.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }

        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add([.. row]);
        }

        return rows;
    }
}
