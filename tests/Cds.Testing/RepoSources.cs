using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cds.Testing;

/// <summary>
/// The repository as tests read it: its root, the services' source text, and the checks that deployment files
/// (compose, tye, k8s) name only settings the code reads and ports the services listen on.
/// </summary>
public static class RepoSources
{
    /// <summary>The folder holding Cds.sln above the test's output folder.</summary>
    public static readonly string Root = FindRoot();

    private static readonly Lazy<string> Source = new(() => string.Join('\n',
        new[] { "services", "shared" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText)));

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A path under tests/data, the reference material the tests read (sources and licences in tests/data/SOURCES.md).</summary>
    public static string TestData(params string[] parts) => Path.Combine([Root, "tests", "data", .. parts]);

    /// <summary>Every C# file under services/ and shared/, read once.</summary>
    public static string SourceText() => Source.Value;

    /// <summary>A key like <c>ConnectionStrings__Postgres</c> or <c>Hooks__Deadline</c> must be read somewhere in <paramref name="code"/>.</summary>
    public static bool IsReadByCode(string key, string code)
    {
        var parts = key.Split("__");
        if (parts[0] == "ConnectionStrings")
        {
            return code.Contains($"GetConnectionString(\"{parts[1]}\")", StringComparison.Ordinal);
        }
        // Options classes declare `const string Section = "X"` and a property per key.
        return code.Contains($"Section = \"{parts[0]}\"", StringComparison.Ordinal)
            && (parts.Length == 1 || Regex.IsMatch(code, $@"\bpublic [^\n]*\b{Regex.Escape(parts[^1])}\s*\{{\s*get;"));
    }

    /// <summary>The port of a project's first launch profile (<paramref name="project"/>: its .csproj path from the root).</summary>
    public static int LaunchPort(string project)
    {
        var file = Path.Combine(Path.GetDirectoryName(Combine(project))!, "Properties", "launchSettings.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        var url = doc.RootElement.GetProperty("profiles").EnumerateObject().First().Value.GetProperty("applicationUrl").GetString()!;
        return new Uri(url.Split(';')[0]).Port;
    }

    private static string FindRoot()
    {
        // The test's (or program's) output folder first, then where it was run from.
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Cds.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("Cds.sln not found above " + AppContext.BaseDirectory + ": run from inside the repository");
    }
}
