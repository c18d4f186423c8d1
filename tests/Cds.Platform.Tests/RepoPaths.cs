namespace Cds.Platform.Tests;

internal static class RepoPaths
{
    /// <summary>The repository root: the folder holding Cds.sln above the test's output folder.</summary>
    public static string Root => Cds.Testing.RepoSources.Root;

    public static string Combine(params string[] parts) => Cds.Testing.RepoSources.Combine(parts);
}
