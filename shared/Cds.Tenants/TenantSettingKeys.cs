using System.Reflection;
using System.Text.RegularExpressions;

namespace Cds.Tenants;

/// <summary>
/// The setting keys a tenant-settings problem names (<c>Tenants:sandbox:Bulk:Schedule</c>), never its values: what may be
/// logged of a refused reload, where a value (a path, a URL, a key name) must not go. Pure.
/// </summary>
public static partial class TenantSettingKeys
{
    private static readonly HashSet<string> Parts =
        [.. typeof(TenantSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name)];

    /// <summary>
    /// Every key named by <paramref name="problems"/>, distinct, in order: full paths (<c>Tenants:{id}:…</c>, also quoted,
    /// as the configuration binder writes them; other sections such as <c>HookAuth:ReplaySchema</c>) and, in a problem
    /// of the form <c>Tenant '{id}': …</c>, a part of <see cref="TenantSettings"/> (<c>Backend.KeyId</c>) as
    /// <c>Tenants:{id}:Backend:KeyId</c>. Other quoted text is a value and is dropped; a problem naming no key names its tenant.
    /// </summary>
    public static IReadOnlyList<string> In(IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var keys = new List<string>();
        foreach (var problem in problems)
        {
            var prefix = TenantPrefix().Match(problem);
            var text = problem[prefix.Length..];
            var named = Quoted().Matches(text).Select(q => q.Groups["text"].Value).Where(IsFullPath).ToList();
            var unquoted = Quoted().Replace(text, " ");
            named.AddRange(FullPath().Matches(unquoted).Select(k => k.Value.TrimEnd('.')));
            if (prefix.Success)
            {
                var tenant = prefix.Groups["id"].Value;
                named.AddRange(Part().Matches(FullPath().Replace(unquoted, " ")).Where(p => Parts.Contains(p.Groups["part"].Value))
                    .Select(p => $"{TenantSettingsBinder.Section}:{tenant}:{p.Value.Replace('.', ':')}"));
                if (named.Count == 0)
                {
                    named.Add($"{TenantSettingsBinder.Section}:{tenant}");
                }
            }

            keys.AddRange(named);
        }

        return keys.Distinct(StringComparer.Ordinal).ToList();
    }

    private static bool IsFullPath(string text) => FullPath().Match(text) is { Success: true } m && m.Index == 0 && m.Length == text.Length;

    [GeneratedRegex(@"^Tenant '(?<id>[^']+)': ")]
    private static partial Regex TenantPrefix();

    [GeneratedRegex(@"'(?<text>[^']*)'")]
    private static partial Regex Quoted();

    /// <summary><c>Tenants:{id}:Part:…</c> (rule and parameter names as spelt), or a section path of capitalised names (<c>HookAuth:ReplaySchema</c>).</summary>
    [GeneratedRegex(@"\bTenants:[A-Za-z0-9_.-]+(?::[A-Za-z0-9_.\[\]-]+)*|\b[A-Z][A-Za-z0-9]*(?::[A-Z][A-Za-z0-9]*)+\b")]
    private static partial Regex FullPath();

    /// <summary>A part of the tenant's settings and its setting, as the checks write it: <c>FhirBaseUrl</c>, <c>Backend.KeyId</c>.</summary>
    [GeneratedRegex(@"\b(?<part>[A-Z][A-Za-z0-9]*)(?:\.[A-Z][A-Za-z0-9]*)*\b")]
    private static partial Regex Part();
}
