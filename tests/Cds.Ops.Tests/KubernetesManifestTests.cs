using Cds.Testing;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Cds.Ops.Tests;

/// <summary>
/// infra/k8s cannot be applied on this machine, so it is checked against the code: projects, assemblies, ports, probe
/// paths, settings, ConfigMap/Secret references, selectors, scaling objects and the tenant configuration.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string Root = RepoSources.Root;
    private static readonly string K8s = Path.Combine(Root, "infra", "k8s");
    private static readonly Lazy<List<YamlMappingNode>> Documents = new(LoadAll);
    private static readonly Lazy<string> Code = new(RepoSources.SourceText);

    private static IEnumerable<YamlMappingNode> OfKind(string kind) => Documents.Value.Where(d => Str(d, "kind") == kind);

    private static YamlMappingNode Named(string kind, string name) =>
        OfKind(kind).SingleOrDefault(d => Str(Map(d, "metadata"), "name") == name)
        ?? throw new Xunit.Sdk.XunitException($"{kind} '{name}' is referenced but not defined in infra/k8s");

    [Fact]
    public void Kustomization_lists_every_manifest_and_only_existing_ones()
    {
        var listed = Seq(LoadFile(Path.Combine(K8s, "kustomization.yaml"))[0], "resources").Select(n => n.ToString()).ToList();
        foreach (var file in listed)
        {
            Assert.True(File.Exists(Path.Combine(K8s, file)), $"kustomization.yaml lists {file}, which does not exist");
        }
        var present = Directory.EnumerateFiles(K8s, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml");
        Assert.Equal(present.Order(), listed.Order());
    }

    [Fact]
    public void Deployments_build_existing_projects_on_their_launch_ports()
    {
        var deployments = OfKind("Deployment").ToList();
        Assert.Equal(["enrichment", "hooks", "ops", "smart", "writeback"], deployments.Select(Name).Order());
        foreach (var d in deployments)
        {
            var name = Name(d);
            var annotations = Map(Map(d, "metadata"), "annotations");
            var project = Str(annotations, "cds.platform/project");
            Assert.True(File.Exists(Path.Combine(Root, project)), $"{name}: project {project} does not exist");
            Assert.Equal(Path.GetFileNameWithoutExtension(project), Str(annotations, "cds.platform/assembly"));

            var container = Container(d);
            var port = int.Parse(Str((YamlMappingNode)Seq(container, "ports").Single(), "containerPort"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(RepoSources.LaunchPort(project), port);
            var urls = Env(container)["ASPNETCORE_URLS"];
            Assert.Equal(port, new Uri(urls.Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port);
            Assert.Equal("Production", Env(container)["ASPNETCORE_ENVIRONMENT"]);
            Assert.StartsWith("cds/", Str(container, "image"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Compose_services_run_on_the_same_ports_in_kubernetes()
    {
        var compose = LoadFile(Path.Combine(Root, "docker-compose.yml"))[0];
        foreach (var (key, value) in Map(compose, "services").Children)
        {
            var service = (YamlMappingNode)value;
            if (!service.Children.ContainsKey("build") || key.ToString() == "epic-sandbox")
            {
                continue; // engines and the test sandbox are not deployed as projects
            }
            var project = ((YamlMappingNode)Map(service, "build")["args"])["PROJECT"].ToString();
            var deployment = OfKind("Deployment").SingleOrDefault(d => Str(Map(Map(d, "metadata"), "annotations"), "cds.platform/project") == project);
            Assert.True(deployment is not null, $"compose service '{key}' ({project}) has no Deployment in infra/k8s");
            if (service.Children.ContainsKey("environment")
                && ((YamlMappingNode)service["environment"]).Children.TryGetValue(new YamlScalarNode("ASPNETCORE_URLS"), out var urls))
            {
                var composePort = new Uri(urls.ToString().Replace("0.0.0.0", "localhost", StringComparison.Ordinal)).Port;
                Assert.Equal(composePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Str((YamlMappingNode)Seq(Container(deployment!), "ports").Single(), "containerPort"));
            }
        }
    }

    [Fact]
    public void Probes_use_the_health_endpoints_the_code_maps_on_a_named_port()
    {
        var defaults = File.ReadAllText(Path.Combine(Root, "shared", "Cds.ServiceDefaults", "ServiceDefaultsExtensions.cs"));
        foreach (var d in OfKind("Deployment"))
        {
            var container = Container(d);
            var ports = Seq(container, "ports").Cast<YamlMappingNode>().Select(p => Str(p, "name")).ToList();
            foreach (var (probe, path) in new[] { ("startupProbe", "/health/live"), ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready") })
            {
                var get = Map(Map(container, probe), "httpGet");
                Assert.Equal(path, Str(get, "path"));
                Assert.Contains($"\"{path}\"", defaults, StringComparison.Ordinal);
                Assert.Contains(Str(get, "port"), ports);
            }
            var resources = Map(container, "resources");
            foreach (var part in new[] { "requests", "limits" })
            {
                Assert.True(Map(resources, part).Children.ContainsKey("cpu") && Map(resources, part).Children.ContainsKey("memory"), $"{Name(d)}: {part} cpu and memory");
            }
        }
    }

    [Fact]
    public void Every_setting_given_to_a_pod_is_read_by_the_code()
    {
        var keys = new List<(string Where, string Key)>();
        foreach (var d in OfKind("Deployment"))
        {
            var container = Container(d);
            keys.AddRange(Env(container).Keys.Where(k => !k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).Select(k => (Name(d), k)));
            foreach (var from in Seq(container, "envFrom").Cast<YamlMappingNode>())
            {
                if (from.Children.ContainsKey("configMapRef"))
                {
                    var cm = Named("ConfigMap", Str(Map(from, "configMapRef"), "name"));
                    keys.AddRange(Map(cm, "data").Children.Keys.Select(k => ($"ConfigMap {Name(cm)}", k.ToString())));
                }
                if (from.Children.ContainsKey("secretRef"))
                {
                    var secret = Named("Secret", Str(Map(from, "secretRef"), "name"));
                    keys.AddRange(Map(secret, "stringData").Children.Keys.Select(k => ($"Secret {Name(secret)}", k.ToString())));
                }
            }
        }
        Assert.NotEmpty(keys);
        foreach (var (where, key) in keys.Distinct())
        {
            Assert.True(RepoSources.IsReadByCode(key, Code.Value), $"{where}: setting {key} is given to a pod but no code reads it");
        }
    }

    [Fact]
    public void Volumes_services_budgets_and_autoscalers_reference_what_exists()
    {
        foreach (var d in OfKind("Deployment"))
        {
            var name = Name(d);
            var spec = Map(d, "spec");
            var template = Map(spec, "template");
            var labels = Map(Map(template, "metadata"), "labels");
            foreach (var (k, v) in Map(Map(spec, "selector"), "matchLabels").Children)
            {
                Assert.Equal(v.ToString(), labels[k].ToString());
            }
            var volumes = Seq(Map(template, "spec"), "volumes").Cast<YamlMappingNode>().ToDictionary(v => Str(v, "name"));
            foreach (var mount in Seq(Container(d), "volumeMounts").Cast<YamlMappingNode>())
            {
                Assert.True(volumes.TryGetValue(Str(mount, "name"), out var volume), $"{name}: mount {Str(mount, "name")} has no volume");
                if (volume!.Children.ContainsKey("configMap"))
                {
                    var cm = Named("ConfigMap", Str(Map(volume, "configMap"), "name"));
                    if (mount.Children.ContainsKey("subPath"))
                    {
                        Assert.True(Map(cm, "data").Children.ContainsKey(Str(mount, "subPath")), $"{name}: subPath {Str(mount, "subPath")} not in {Name(cm)}");
                    }
                }
                if (volume.Children.ContainsKey("secret"))
                {
                    Named("Secret", Str(Map(volume, "secret"), "secretName"));
                }
            }
        }

        foreach (var service in OfKind("Service"))
        {
            var selector = Map(Map(service, "spec"), "selector");
            var target = OfKind("Deployment").SingleOrDefault(d => selector.Children.All(kv =>
                Map(Map(Map(Map(d, "spec"), "template"), "metadata"), "labels").Children.TryGetValue(kv.Key, out var v) && v.ToString() == kv.Value.ToString()));
            Assert.True(target is not null, $"Service {Name(service)} selects no Deployment");
            var portNames = Seq(Container(target!), "ports").Cast<YamlMappingNode>().Select(p => Str(p, "name")).ToList();
            foreach (var port in Seq(Map(service, "spec"), "ports").Cast<YamlMappingNode>())
            {
                Assert.Contains(Str(port, "targetPort"), portNames);
            }
        }

        foreach (var ingress in OfKind("Ingress"))
        {
            foreach (var rule in Seq(Map(ingress, "spec"), "rules").Cast<YamlMappingNode>())
            {
                foreach (var path in Seq(Map(rule, "http"), "paths").Cast<YamlMappingNode>())
                {
                    var backend = Map(Map(path, "backend"), "service");
                    var service = Named("Service", Str(backend, "name"));
                    var portName = Str(Map(backend, "port"), "name");
                    Assert.Contains(portName, Seq(Map(service, "spec"), "ports").Cast<YamlMappingNode>().Select(p => Str(p, "name")));
                    // the exposed path is the one the hooks service maps
                    Assert.Contains($"\"{Str(path, "path")}", Code.Value, StringComparison.Ordinal);
                }
            }
        }

        foreach (var pdb in OfKind("PodDisruptionBudget"))
        {
            var app = Str(Map(Map(Map(pdb, "spec"), "selector"), "matchLabels"), "app.kubernetes.io/name");
            var replicas = Replicas(Named("Deployment", app));
            Assert.True(int.Parse(Str(Map(pdb, "spec"), "minAvailable"), System.Globalization.CultureInfo.InvariantCulture) < replicas,
                $"PDB {Name(pdb)} would block every voluntary eviction");
        }
        foreach (var hpa in OfKind("HorizontalPodAutoscaler"))
        {
            var spec = Map(hpa, "spec");
            var deployment = Named("Deployment", Str(Map(spec, "scaleTargetRef"), "name"));
            Assert.Equal(Replicas(deployment), int.Parse(Str(spec, "minReplicas"), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Scale_out_shape_matches_the_code()
    {
        Assert.True(Replicas(Named("Deployment", "hooks")) >= 2);
        Assert.True(Replicas(Named("Deployment", "enrichment")) >= 2);
        // Several write-back pods are safe only because the daemon runs hot/cold.
        Assert.True(Replicas(Named("Deployment", "writeback")) >= 2);
        Assert.Contains("DaemonMode.HotCold", File.ReadAllText(Path.Combine(Root, "services", "Cds.WriteBack", "Program.cs")), StringComparison.Ordinal);
        // The ops pod runs the dashboard.
        Assert.Equal("serve", Seq(Container(Named("Deployment", "ops")), "args").Single().ToString());
    }

    [Fact]
    public void Tenant_configuration_binds_and_its_keys_come_from_the_mounted_secret()
    {
        var json = Map(Named("ConfigMap", "cds-tenants"), "data")["appsettings.Production.json"].ToString();
        using var doc = JsonDocument.Parse(json);
        var tenants = doc.RootElement.GetProperty("Tenants").EnumerateObject().ToList();
        Assert.NotEmpty(tenants);
        var keySecret = Named("Secret", "cds-tenant-keys");
        var keyFiles = Map(keySecret, "stringData").Children.Keys.Select(k => k.ToString()).ToHashSet();
        var mounts = OfKind("Deployment").Select(Container)
            .SelectMany(c => Seq(c, "volumeMounts").Cast<YamlMappingNode>())
            .Where(m => Str(m, "name") == "tenant-keys").Select(m => Str(m, "mountPath")).Distinct().ToList();
        Assert.Single(mounts);

        foreach (var tenant in tenants)
        {
            foreach (var leaf in Leaves(tenant.Value, $"Tenants:{tenant.Name}"))
            {
                var property = leaf.Split(':').Last(p => !p.All(char.IsDigit));
                Assert.True(Regex.IsMatch(Code.Value, $@"\bpublic [^\n]*\b{Regex.Escape(property)}\s*\{{\s*get;"), $"{leaf}: no options class has a property '{property}'");
            }
            var backend = tenant.Value.GetProperty("Backend");
            var keyPath = backend.GetProperty("PrivateKeyPath").GetString()!;
            Assert.Equal(mounts[0], Path.GetDirectoryName(keyPath));
            Assert.Contains(Path.GetFileName(keyPath), keyFiles);
            var environment = tenant.Value.GetProperty("Environment").GetString();
            Assert.Contains(environment, new[] { "NonProduction", "Production" });
        }
    }

    [Theory]
    [InlineData("ConnectionStrings__Postgres", true)]
    [InlineData("ConnectionStrings__Redis", false)]
    [InlineData("Ops__DashboardUser", true)]
    [InlineData("Ops__NoSuchSetting", false)]
    [InlineData("Nowhere__DashboardUser", false)]
    public void A_setting_counts_only_when_code_reads_it(string key, bool expected)
    {
        const string code = """
            var cs = configuration.GetConnectionString("Postgres");
            public sealed class OpsSettings { public const string Section = "Ops"; public string? DashboardUser { get; set; } }
            """;
        Assert.Equal(expected, RepoSources.IsReadByCode(key, code));
    }

    private static IEnumerable<string> Leaves(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Leaves(p.Value, $"{path}:{p.Name}")),
        JsonValueKind.Array => e.EnumerateArray().SelectMany((x, i) => Leaves(x, $"{path}:{i}")),
        _ => [path],
    };

    private static int Replicas(YamlMappingNode deployment) =>
        int.Parse(Str(Map(deployment, "spec"), "replicas"), System.Globalization.CultureInfo.InvariantCulture);

    private static YamlMappingNode Container(YamlMappingNode deployment) =>
        (YamlMappingNode)Seq(Map(Map(Map(deployment, "spec"), "template"), "spec"), "containers").Single();

    private static Dictionary<string, string> Env(YamlMappingNode container) =>
        Seq(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Str(e, "name"), e => Str(e, "value"));

    private static string Name(YamlMappingNode doc) => Str(Map(doc, "metadata"), "name");

    private static string Str(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v.ToString() : throw new Xunit.Sdk.XunitException($"missing '{key}'");

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static IEnumerable<YamlNode> Seq(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (YamlSequenceNode)v : Enumerable.Empty<YamlNode>();

    private static List<YamlMappingNode> LoadAll() =>
        Directory.EnumerateFiles(K8s, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").SelectMany(LoadFile).ToList();

    private static List<YamlMappingNode> LoadFile(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(file);
        yaml.Load(reader);
        return yaml.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }
}
