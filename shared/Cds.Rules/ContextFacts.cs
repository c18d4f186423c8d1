using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// How rules read a <see cref="PatientContext"/>: which entries count (status), which lab results are usable
/// (value, date, unit), and whether a part of the chart is known to be missing (<see cref="PatientContext.Gaps"/>).
/// </summary>
public static class ContextFacts
{
    public const string Allergies = "allergies";
    public const string Medications = "medications";
    public const string Conditions = "conditions";
    public const string Labs = "labs";

    // Spellings a context builder might use for the same part of the chart.
    private static readonly Dictionary<string, string> GapAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["allergies"] = Allergies, ["allergy"] = Allergies, ["allergyintolerance"] = Allergies,
        ["medications"] = Medications, ["medication"] = Medications, ["medicationrequest"] = Medications, ["medicationrequests"] = Medications,
        ["conditions"] = Conditions, ["condition"] = Conditions, ["problems"] = Conditions,
        ["labs"] = Labs, ["lab"] = Labs, ["observation"] = Labs, ["observations"] = Labs,
    };

    private static readonly HashSet<string> InactiveMedication = new(StringComparer.OrdinalIgnoreCase)
        { "stopped", "completed", "cancelled", "entered-in-error", "draft", "ended", "not-taken" };

    private static readonly HashSet<string> InactiveAllergy = new(StringComparer.OrdinalIgnoreCase)
        { "inactive", "resolved", "entered-in-error", "refuted" };

    private static readonly HashSet<string> InactiveCondition = new(StringComparer.OrdinalIgnoreCase)
        { "inactive", "remission", "resolved", "entered-in-error", "refuted" };

    private static readonly HashSet<string> UnusableLab = new(StringComparer.OrdinalIgnoreCase)
        { "entered-in-error", "cancelled", "registered" };

    /// <summary>
    /// True when the context says this part of the chart could not be obtained (completely or partly). A gap is named
    /// by its part, optionally followed by ": reason", e.g. "labs: result cut by page limit after 5 page(s)".
    /// </summary>
    public static bool HasGap(PatientContext patient, string part) =>
        patient.Gaps.Any(g => GapAliases.TryGetValue(g.Split(':', 2)[0].Trim(), out var canonical) && canonical == part);

    public static bool IsActive(MedicationEntry medication) => medication.Status is null || !InactiveMedication.Contains(medication.Status);

    /// <summary>A missing clinical status counts: a recorded allergy is taken seriously until shown otherwise.</summary>
    public static bool IsActive(AllergyEntry allergy) => allergy.ClinicalStatus is null || !InactiveAllergy.Contains(allergy.ClinicalStatus);

    public static bool IsActive(ConditionEntry condition) => condition.ClinicalStatus is null || !InactiveCondition.Contains(condition.ClinicalStatus);

    /// <summary>A result that can be compared with a threshold: matching code, a value, a date, an expected (or absent) unit.</summary>
    public static bool IsUsable(LabResult lab, IReadOnlyList<CodePattern> codes, IReadOnlyList<string> units) =>
        lab.Value is not null
        && lab.Effective is not null
        && (lab.Status is null || !UnusableLab.Contains(lab.Status))
        && codes.Any(c => c.MatchesAny(lab.Codes))
        && UnitAccepted(lab.Unit, units);

    public static bool UnitAccepted(string? unit, IReadOnlyList<string> units) =>
        string.IsNullOrWhiteSpace(unit) || units.Any(u => string.Equals(Squash(u), Squash(unit), StringComparison.OrdinalIgnoreCase));

    /// <summary>The most recent usable result, or null (unknown — never "normal").</summary>
    public static LabResult? Latest(PatientContext patient, IReadOnlyList<CodePattern> codes, IReadOnlyList<string> units) =>
        patient.Labs.Where(l => IsUsable(l, codes, units)).OrderByDescending(l => l.Effective).ThenBy(l => l.Id, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>The code of a lab result the rule matched on, for evidence.</summary>
    public static string MatchedCode(IReadOnlyList<ClinicalCode> codes, IReadOnlyList<CodePattern> patterns)
    {
        foreach (var code in codes)
        {
            if (patterns.Any(p => p.Matches(code)))
            {
                var system = Terminology.CanonicalSystem(code.System)!;
                return Terminology.Evidence(system, Terminology.NormalizeCode(system, code.Code));
            }
        }

        return "unknown";
    }

    /// <summary>Codes of known systems as evidence strings (no text, no names).</summary>
    public static IEnumerable<string> CodesEvidence(string label, IEnumerable<ClinicalCode> codes) =>
        codes.Select(c => (System: Terminology.CanonicalSystem(c.System), c.Code))
            .Where(c => c.System is not null && !string.IsNullOrWhiteSpace(c.Code))
            .Select(c => $"{label}={Terminology.Evidence(c.System!, Terminology.NormalizeCode(c.System!, c.Code))}")
            .Distinct(StringComparer.Ordinal);

    private static string Squash(string unit) => unit.Replace(" ", "", StringComparison.Ordinal);
}
