namespace Cds.EpicSandbox;

/// <summary>
/// Finds the sandbox's data folder (synthea-r4/, epic-sandbox/): the configured one, else the <c>data/</c> folder the
/// build copies next to the sandbox's assembly (from infra/epic-sandbox/data, see the csproj), so a built, published or
/// containerised sandbox carries its own patients and never looks outside its own files.
/// </summary>
public static class DataLocator
{
    /// <summary>The folder beside the assembly the build copies infra/epic-sandbox/data to.</summary>
    public static string Bundled => Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>The full path of the data folder to seed from, or null when it has no <c>synthea-r4/</c>.</summary>
    public static string? Find(string? configured = null)
    {
        var dir = Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? Bundled : configured);
        return Directory.Exists(Path.Combine(dir, "synthea-r4")) ? dir : null;
    }

    /// <summary>Where <see cref="Find"/> looked, for the warning when it found nothing.</summary>
    public static string Describe(string? configured) => string.IsNullOrWhiteSpace(configured) ? Bundled : configured;
}
