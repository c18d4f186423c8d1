namespace Cds.Hooks.Requests;

/// <summary>Builds JSON paths in the notation used in problems: <c>context.draftOrders.entry[0]</c>, <c>prefetch['-user']</c>.</summary>
public static class JsonPath
{
    public static string Member(string parent, string name)
    {
        var simple = name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (simple)
            return parent.Length == 0 ? name : parent + "." + name;
        var quoted = "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";
        return parent.Length == 0 ? "$" + quoted : parent + quoted;
    }

    public static string Index(string parent, int index) => (parent.Length == 0 ? "$" : parent) + "[" + index + "]";
}
