using System.Text.RegularExpressions;
using Cds.Tenants;

namespace Cds.WriteBack;

/// <summary>The start-up check of <c>Tenants:{id}:WriteBack</c> in the tenant validation, with messages a person can act on.</summary>
public sealed partial class WriteBackTenantsValidator : ITenantSettingsCheck
{
    private static readonly string[] ContentTypes = ["text/plain", "text/html"];
    private static readonly string[] DocStatuses = ["final", "preliminary", "amended"];

    public IEnumerable<string> Problems(ConfiguredTenants options)
    {
        var problems = new List<string>();
        foreach (var (tenant, settings) in options.Tenants)
        {
            var w = settings.WriteBack;
            var prefix = $"Tenants:{tenant}:WriteBack";
            if (!LoincPattern().IsMatch(w.NoteTypeLoinc ?? ""))
            {
                problems.Add($"{prefix}:NoteTypeLoinc '{w.NoteTypeLoinc}' is not a LOINC code (digits, dash, check digit; e.g. {TenantWriteBackSettings.DefaultNoteTypeLoinc} Progress note).");
            }
            if (!ContentTypes.Contains(w.ContentType, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:ContentType '{w.ContentType}' is not supported: use text/plain or text/html.");
            }
            if (!DocStatuses.Contains(w.DocStatus, StringComparer.Ordinal))
            {
                problems.Add($"{prefix}:DocStatus '{w.DocStatus}' is not a FHIR R4 composition status: use final or preliminary.");
            }
            if (!Uri.TryCreate(w.IdentifierSystem, UriKind.Absolute, out _))
            {
                problems.Add($"{prefix}:IdentifierSystem '{w.IdentifierSystem}' must be an absolute URI (e.g. urn:cds-platform:write-back:note).");
            }
        }
        return problems;
    }

    [GeneratedRegex(@"^\d{1,7}-\d$")]
    private static partial Regex LoincPattern();
}
