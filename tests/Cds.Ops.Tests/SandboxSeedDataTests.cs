using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Cds.Testing;

namespace Cds.Ops.Tests;

/// <summary>
/// The Epic sandbox seeds its Synthea and Epic-sandbox patients from the repository alone: from the <c>data/</c> folder
/// its build copies next to its assembly (infra/epic-sandbox/data), with default settings, and a copy of its build
/// output run from a folder outside the clone still serves them (what the Docker image does).
/// </summary>
public sealed class SandboxSeedDataTests
{
    private static readonly string RepoData = RepoSources.Combine("infra", "epic-sandbox", "data");

    [Fact]
    public async Task With_default_settings_the_sandbox_serves_the_synthea_patients_and_camila_lopez_from_its_own_data_folder()
    {
        await using var sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings());

        // The folder beside the loaded assembly (this test's output, where the build copied infra/epic-sandbox/data).
        var expected = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "data"));
        Assert.Equal(expected, sandbox.DataDirectory);
        Assert.StartsWith(Path.GetFullPath(RepoSources.Root) + Path.DirectorySeparatorChar, sandbox.DataDirectory);
        AssertSameFiles(RepoData, sandbox.DataDirectory!);

        using var http = new HttpClient { BaseAddress = sandbox.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        var info = JsonNode.Parse(await http.GetStringAsync("_sandbox/info"))!;
        Assert.Equal(expected, (string?)info["dataDirectory"]);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.IssueAccessToken());
        foreach (var id in SandboxPatients.Synthea.Append(SandboxPatients.CamilaLopez))
        {
            using var response = await http.GetAsync(new Uri(sandbox.FhirBaseUrl, "Patient/" + id));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"Patient/{id}: {(int)response.StatusCode} {body}");
            Assert.Equal(id, (string?)JsonNode.Parse(body)!["id"]);
        }

        // Camila Lopez is Epic's own sandbox record (family name from the file), not a fixture of the same id.
        var camila = JsonNode.Parse(await http.GetStringAsync(new Uri(sandbox.FhirBaseUrl, "Patient/" + SandboxPatients.CamilaLopez)))!;
        Assert.Equal("Lopez", (string?)camila["name"]![0]!["family"]);
        var observations = JsonNode.Parse(await http.GetStringAsync(new Uri(sandbox.FhirBaseUrl, $"Observation?patient={SandboxPatients.AbramLemke}&category=vital-signs")))!;
        Assert.True((int?)observations["total"] > 50, "Abram Lemke's Synthea vital signs are seeded");
    }

    [Fact]
    public async Task A_copy_of_the_sandbox_build_output_outside_the_clone_serves_its_patients_from_its_own_data_folder()
    {
        // The sandbox's own build output (same configuration and framework as this test's).
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var output = RepoSources.Combine("infra", "epic-sandbox", "Cds.EpicSandbox", "bin", tfm.Parent!.Name, tfm.Name);
        Assert.True(File.Exists(Path.Combine(output, "Cds.EpicSandbox.dll")), "sandbox not built at " + output);

        var copy = Directory.CreateTempSubdirectory("cds-sandbox-copy-");
        try
        {
            CopyTree(output, copy.FullName);
            var port = ServiceProcess.FreePort();
            await using var process = ServiceProcess.Start("epic-sandbox", Path.Combine(copy.FullName, "Cds.EpicSandbox.dll"), port,
                new Dictionary<string, string>(), ["serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await process.WaitReadyAsync("_sandbox/info", TimeSpan.FromSeconds(60));

            using var http = new HttpClient { BaseAddress = process.Url, Timeout = TimeSpan.FromSeconds(30) };
            var info = JsonNode.Parse(await http.GetStringAsync("_sandbox/info"))!;
            Assert.Equal(Path.Combine(copy.FullName, "data"), (string?)info["dataDirectory"]);
            Assert.Contains($"from {Path.Combine(copy.FullName, "data")}", process.Output());
            foreach (var id in SandboxPatients.Synthea.Append(SandboxPatients.CamilaLopez))
            {
                using var response = await http.GetAsync($"_sandbox/hooks/resource/Patient/{id}");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"Patient/{id} not seeded: {(int)response.StatusCode}\n{process.Tail()}");
            }
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    private static void AssertSameFiles(string expectedDir, string actualDir)
    {
        var expected = Directory.EnumerateFiles(expectedDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expectedDir, f)).Order().ToList();
        var actual = Directory.EnumerateFiles(actualDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actualDir, f)).Order().ToList();
        Assert.Equal(expected, actual);
        Assert.All(expected, f => Assert.True(File.ReadAllBytes(Path.Combine(expectedDir, f)).SequenceEqual(File.ReadAllBytes(Path.Combine(actualDir, f))), f + " differs"));
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
