namespace Cds.Ops;

internal static class DashboardPage
{
    public static readonly string Html = Load();

    private static string Load()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("Cds.Ops.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("embedded dashboard page is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
