using Cds.Testing;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Cds.Platform.Tests;

/// <summary>
/// docker-compose.yml and tye.yaml cannot run on a machine without Docker, so they are checked against the code:
/// every project path, assembly, port and setting they name must exist, and both describe the same services.
/// </summary>
public sealed partial class TopologyTests
{
    private static readonly string[] Infrastructure = ["rabbitmq", "postgres"];

    [Fact]
    public void Compose_projects_exist_and_assemblies_match()
    {
        foreach (var (name, service) in ComposeServices())
        {
            if (Infrastructure.Contains(name))
            {
                continue;
            }
            var args = (YamlMappingNode)((YamlMappingNode)service["build"])["args"];
            var project = args["PROJECT"].ToString();
            Assert.True(File.Exists(RepoPaths.Combine(project)), $"compose service '{name}': project {project} does not exist");
            Assert.Equal(Path.GetFileNameWithoutExtension(project), args["ASSEMBLY"].ToString());
            var dockerfile = ((YamlMappingNode)service["build"])["dockerfile"].ToString();
            Assert.True(File.Exists(RepoPaths.Combine(dockerfile)), $"compose service '{name}': {dockerfile} does not exist");
        }
    }

    [Fact]
    public void Compose_ports_match_the_services_launch_settings()
    {
        foreach (var (name, service) in ComposeServices())
        {
            if (Infrastructure.Contains(name) || !service.Children.ContainsKey("environment"))
            {
                continue;
            }
            var env = Environment(service);
            if (!env.TryGetValue("ASPNETCORE_URLS", out var urls))
            {
                continue;
            }
            var port = new Uri(urls.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
            var published = ((YamlSequenceNode)service["ports"]).Select(p => p.ToString()).ToList();
            Assert.Contains($"{port}:{port}", published);
            Assert.Equal(port, RepoSources.LaunchPort(ProjectOf(service)));
        }
    }

    [Fact]
    public void Every_setting_named_in_compose_and_tye_is_read_by_the_code()
    {
        var code = RepoSources.SourceText();
        var settings = ComposeServices()
            .Where(s => !Infrastructure.Contains(s.Key) && s.Value.Children.ContainsKey("environment"))
            .SelectMany(s => Environment(s.Value).Keys)
            .Concat(TyeServices().Where(s => !Infrastructure.Contains(s.Key) && s.Value.Children.ContainsKey("env"))
                .SelectMany(s => ((YamlSequenceNode)s.Value["env"]).Select(e => e.ToString().Split('=')[0])))
            .Where(k => k != "ASPNETCORE_URLS")
            .Distinct()
            .ToList();
        Assert.NotEmpty(settings);
        foreach (var key in settings)
        {
            Assert.True(RepoSources.IsReadByCode(key, code), $"setting {key} is named in compose/tye but no code reads it");
        }
    }

    [Fact]
    public void Tye_describes_the_same_services_projects_and_ports_as_compose()
    {
        var compose = ComposeServices().ToDictionary(s => s.Key, s => s.Value);
        var tye = TyeServices().ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal(compose.Keys.Order(), tye.Keys.Order());
        foreach (var (name, service) in tye)
        {
            var ports = ((YamlSequenceNode)service["bindings"]).Cast<YamlMappingNode>().Select(b => b["port"].ToString()).ToList();
            var composePorts = ((YamlSequenceNode)compose[name]["ports"]).Select(p => p.ToString().Split(':')[1]).ToList();
            Assert.Equal(composePorts.Order(), ports.Order());
            if (service.Children.ContainsKey("project"))
            {
                var project = service["project"].ToString();
                Assert.True(File.Exists(RepoPaths.Combine(project)), $"tye service '{name}': project {project} does not exist");
                Assert.Equal(ProjectOf(compose[name]), project);
            }
        }
    }

    private static string ProjectOf(YamlMappingNode composeService) =>
        ((YamlMappingNode)((YamlMappingNode)composeService["build"])["args"])["PROJECT"].ToString();

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString());

    private static IEnumerable<KeyValuePair<string, YamlMappingNode>> ComposeServices()
    {
        var root = Load("docker-compose.yml");
        return ((YamlMappingNode)root["services"]).Children.Select(c => new KeyValuePair<string, YamlMappingNode>(c.Key.ToString(), (YamlMappingNode)c.Value));
    }

    private static IEnumerable<KeyValuePair<string, YamlMappingNode>> TyeServices()
    {
        var root = Load("tye.yaml");
        return ((YamlSequenceNode)root["services"]).Cast<YamlMappingNode>().Select(s => new KeyValuePair<string, YamlMappingNode>(s["name"].ToString(), s));
    }

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(RepoPaths.Combine(file));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }
}

public sealed class TopologySettingCheckTests
{
    [Theory]
    [InlineData("ConnectionStrings__Postgres", true)]
    [InlineData("ConnectionStrings__Redis", false)]
    [InlineData("Hooks__Deadline", true)]
    [InlineData("Hooks__NoSuchSetting", false)]
    [InlineData("Nowhere__Deadline", false)]
    public void A_setting_counts_only_when_code_reads_it(string key, bool expected)
    {
        var code = """
            var cs = configuration.GetConnectionString("Postgres");
            public sealed class HookOptions { public const string Section = "Hooks"; public TimeSpan Deadline { get; set; } }
            """;
        Assert.Equal(expected, RepoSources.IsReadByCode(key, code));
    }
}
