namespace Cds.Testing;

/// <summary>One of the platform's services as <see cref="PlatformBoot"/> starts it in a child process: its project under
/// <c>services/</c>, the path that answers once it is ready, and the arguments it runs with.</summary>
public sealed record PlatformService(string Project, string ReadyPath, params string[] Arguments)
{
    public static readonly PlatformService Hooks = new("Cds.Hooks", "health/ready");
    public static readonly PlatformService Enrichment = new("Cds.Enrichment", "health/ready");
    public static readonly PlatformService WriteBack = new("Cds.WriteBack", "health/ready");
    /// <summary>The ops dashboard (<c>serve</c>).</summary>
    public static readonly PlatformService Ops = new("Cds.Ops", "health/live", "serve");

    /// <summary>The built service (Release first, then Debug); the program or test that starts it references the project.</summary>
    public string Dll() =>
        new[] { "Release", "Debug" }.Select(c => RepoSources.Combine("services", Project, "bin", c, "net10.0", Project + ".dll")).FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException($"services/{Project} is not built (build the project that references it first)");
}
