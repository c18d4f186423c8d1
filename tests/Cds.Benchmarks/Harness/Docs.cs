namespace Cds.Benchmarks.Harness;

/// <summary>Keeps the latest full table in docs/benchmarks.md between two markers (the prose around it is hand-written).</summary>
public static class Docs
{
    public const string Start = "<!-- bench:results:start -->";
    public const string End = "<!-- bench:results:end -->";

    public static void UpdateTable(string path, string markdown)
    {
        if (!File.Exists(path))
        {
            return;
        }
        var text = File.ReadAllText(path);
        var a = text.IndexOf(Start, StringComparison.Ordinal);
        var b = text.IndexOf(End, StringComparison.Ordinal);
        if (a < 0 || b < a)
        {
            return;
        }
        File.WriteAllText(path, text[..(a + Start.Length)] + "\n" + markdown.TrimEnd() + "\n" + text[b..]);
    }
}
