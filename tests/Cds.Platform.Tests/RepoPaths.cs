namespace Cds.Platform.Tests;

internal static class RepoPaths
{
    /// <summary>The repository root: the folder holding Cds.sln above the test's output folder.</summary>
    public static readonly string Root = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cds.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Cds.sln not found above " + AppContext.BaseDirectory);
    }
}
