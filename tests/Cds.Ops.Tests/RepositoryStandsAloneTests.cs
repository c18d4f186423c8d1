using System.Diagnostics;
using System.Text.RegularExpressions;
using Cds.Testing;

namespace Cds.Ops.Tests;

/// <summary>
/// The repository stands alone: no tracked code, test, script, project or deployment file names a path of one machine
/// (a home or build folder, a drive letter) or a path that climbs out of the clone (a <c>shared/</c> folder beside it,
/// an environment variable pointing at one). A fresh clone builds, tests and runs from its own files.
/// </summary>
public sealed partial class RepositoryStandsAloneTests
{
    private static readonly string Root = Path.GetFullPath(RepoSources.Root);

    /// <summary>The file kinds scanned: code, tests, scripts, projects, configuration and deployment files.</summary>
    private static bool IsScanned(string path) =>
        Path.GetFileName(path) == "Dockerfile"
        || Path.GetExtension(path) is ".cs" or ".sh" or ".csproj" or ".props" or ".targets" or ".json" or ".yml" or ".yaml" or ".sln";

    [Fact]
    public void No_tracked_file_names_a_machine_path_or_a_path_outside_the_repository()
    {
        var files = TrackedFiles().Where(IsScanned).ToList();
        Assert.True(files.Count > 100, $"only {files.Count} files to scan under {Root}: the file list is wrong");
        Assert.Contains("infra/epic-sandbox/Cds.EpicSandbox/FhirStore.cs", files);

        var findings = files.SelectMany(f => Scan(f, File.ReadAllText(Path.Combine(Root, f)))).ToList();
        Assert.True(findings.Count == 0,
            "Paths outside the repository (use RepoSources.Root / tests/data in tests, the sandbox's bundled data/ folder, or a setting):\n"
            + string.Join("\n", findings));
    }

    /// <summary>The scanner itself: each kind of outside path is found, with file:line; in-repo paths are not.</summary>
    [Fact]
    public void The_scan_finds_each_kind_of_outside_path_and_passes_paths_inside_the_repository()
    {
        // Built from pieces so that this file does not contain what it looks for.
        var home = "/" + "home/dev/x.json";
        var work = "\"/" + "work/" + "sha" + "red/data\"";
        string[] bad =
        [
            $"var a = {work};",
            $"cp {home} .",
            "var w = @\"" + "D:" + "\\build\\data\";",
            "Path.Combine(root, \"..\", \"x\")",
            "Path.Combine(dir.FullName, \"" + "sha" + "red\", \"" + "data\")",
            "Environment.GetEnvironmentVariable(\"CDS_" + "SHARED_DATA\")",
            "<None Include=\"" + string.Concat(Enumerable.Repeat("../", 4)) + "outside/x.pem\" />",
        ];
        for (var i = 0; i < bad.Length; i++)
        {
            var found = Scan("tests/Cds.Ops.Tests/Probe.cs", bad[i]);
            Assert.True(found.Count == 1, $"not found exactly once: {bad[i]} -> {string.Join("; ", found)}");
            Assert.StartsWith("tests/Cds.Ops.Tests/Probe.cs:1:", found[0]);
        }

        string[] good =
        [
            "<ProjectReference Include=\"..\\..\\shared\\Cds.Fhir\\Cds.Fhir.csproj\" />",
            "<None Include=\"../data/**/*\" LinkBase=\"data\" />",
            "root=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")/../..\" && pwd)\"",
            "var f = RepoSources.TestData(\"jwt-vectors\", \"cds-hooks-sandbox\");",
            "new[] { \"services\", \"shared\" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d)))",
            "Path.Combine(Root, \"shared\", \"Cds.ServiceDefaults\", \"ServiceDefaults.cs\")",
            "\"url\": \"https://example.org/home/root/page\"",
            "throw new TimeoutException($\"not ready after {s:0} s:\\n{Tail()}\");",
        ];
        foreach (var line in good)
        {
            Assert.Empty(Scan("infra/local/probe.sh", line).Concat(Scan("tests/Cds.Ops.Tests/Probe.cs", line)));
        }

        // Lines are numbered from 1.
        Assert.Equal(["x.yaml:3: machine path '/" + "root/' in: - /" + "root/data"], Scan("x.yaml", "a: 1\nb: 2\n- /" + "root/data"));
    }

    /// <summary>What is wrong on each line of <paramref name="file"/> (path from the root, '/' separated).</summary>
    private static List<string> Scan(string file, string text)
    {
        var findings = new List<string>();
        var lines = text.Split('\n');
        var directory = Path.GetDirectoryName(Path.Combine(Root, file))!;
        var isCode = file.EndsWith(".cs", StringComparison.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            void Add(string what) => findings.Add($"{file}:{i + 1}: {what} in: {line.Trim()}");

            foreach (Match m in MachinePath().Matches(line))
            {
                Add($"machine path '{m.Value}'");
            }

            foreach (Match m in DrivePath().Matches(line))
            {
                Add($"machine path '{m.Value}'");
            }

            if (SharedEnvironment().Match(line) is { Success: true } env)
            {
                Add($"environment fallback '{env.Value}' to reference material outside the repository");
            }

            // A relative path resolves from its file's folder (projects, scripts, Dockerfiles) and must stay inside.
            foreach (Match m in RelativePath().Matches(line))
            {
                var resolved = Path.GetFullPath(Path.Combine(directory, m.Value.Replace('\\', '/')));
                if (!IsInside(resolved))
                {
                    Add($"'{m.Value}' climbs out of the repository");
                }
            }

            // Code: a parent-folder path element climbs from wherever the program runs; "shared" + a folder the repository's
            // shared/ does not have is the old reference-material folder beside the clone.
            if (isCode && DotDotElement().IsMatch(line))
            {
                Add("a \"..\" path element (find the root with RepoSources.Root or ship the files with the build)");
            }

            foreach (Match m in SharedFolder().Matches(line).Concat(isCode ? SharedElements().Matches(line) : Enumerable.Empty<Match>()))
            {
                var name = m.Groups["name"].Value;
                if (!Directory.Exists(Path.Combine(Root, "shared", name)) && !File.Exists(Path.Combine(Root, "shared", name)))
                {
                    Add($"'shared/{name}': the repository's shared/ has no '{name}' (reference material is under tests/data and infra/epic-sandbox/data)");
                }
            }
        }

        return findings;
    }

    private static bool IsInside(string path) =>
        path == Root || path.StartsWith(Root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>git ls-files (paths with '/'); a copy without .git falls back to every file but build output.</summary>
    private static List<string> TrackedFiles()
    {
        try
        {
            var psi = new ProcessStartInfo("git", "ls-files -z") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(psi)!;
            var output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            if (git.ExitCode == 0)
            {
                return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no git on this machine
        }

        string[] skipped = ["bin", "obj", ".git", "artifacts", "TestResults", "node_modules"];
        return Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Where(f => !f.Split('/').Any(skipped.Contains))
            .ToList();
    }

    /// <summary>A build machine's work folder, a home folder (Linux, macOS) or root's, at the start of a path (not inside a URL).</summary>
    [GeneratedRegex(@"(?<![\w.\-~%/:])/(?:work|home|root|Users)/")]
    private static partial Regex MachinePath();

    /// <summary>A Windows drive letter path (escaped backslashes in C# strings included).</summary>
    [GeneratedRegex(@"(?<![\w\\])[A-Z]:(?:\\\\?|/)(?=[A-Za-z_])")]
    private static partial Regex DrivePath();

    [GeneratedRegex(@"CDS_SHA[R]ED\w*")]
    private static partial Regex SharedEnvironment();

    /// <summary>One or more ../ (or ..\) and what follows, up to a quote, space or separator.</summary>
    [GeneratedRegex(@"(?<![\w.])(?:\.\.[\\/])+(?:\.\.(?![\w.])|[^\s""'<>;,)|]*)")]
    private static partial Regex RelativePath();

    [GeneratedRegex(@"""\.\.""")]
    private static partial Regex DotDotElement();

    /// <summary>A path into a folder named shared, written with / or \.</summary>
    [GeneratedRegex(@"(?<![\w.\-/\\])shared[\\/](?<name>[\w.\-]+)")]
    private static partial Regex SharedFolder();

    /// <summary>The same as two Path.Combine elements (code only).</summary>
    [GeneratedRegex(@"""shared""\s*,\s*""(?<name>[\w.\-]+)")]
    private static partial Regex SharedElements();
}
