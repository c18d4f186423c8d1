using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Cds.WriteBack;

/// <summary>Start-up validation with messages a person can act on.</summary>
public sealed partial class WriteBackTenantsValidator : IValidateOptions<WriteBackTenantsOptions>
{
    private static readonly string[] ContentTypes = ["text/plain", "text/html"];
    private static readonly string[] DocStatuses = ["final", "preliminary", "amended"];

    public ValidateOptionsResult Validate(string? name, WriteBackTenantsOptions options)
    {
        var problems = new List<string>();
        foreach (var (tenant, entry) in options.Tenants)
        {
            var w = entry.WriteBack;
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
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    [GeneratedRegex(@"^\d{1,7}-\d$")]
    private static partial Regex LoincPattern();
}
