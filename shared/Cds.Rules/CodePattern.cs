using Cds.Contracts;

namespace Cds.Rules;

/// <summary>A code a rule looks for. <see cref="Prefix"/> (ICD-10-CM only) also matches every descendant, e.g. E11 → E11.9.</summary>
public sealed record CodePattern(string System, string Code, bool Prefix = false, string? Display = null)
{
    public bool Matches(ClinicalCode candidate)
    {
        var system = Terminology.CanonicalSystem(candidate.System);
        if (system != System || string.IsNullOrWhiteSpace(candidate.Code))
        {
            return false;
        }

        var code = Terminology.NormalizeCode(system, candidate.Code);
        var own = Terminology.NormalizeCode(System, Code);
        return Prefix ? code.StartsWith(own, StringComparison.Ordinal) : code == own;
    }

    public bool MatchesAny(IEnumerable<ClinicalCode> codes) => codes.Any(Matches);

    public string Evidence => Terminology.Evidence(System, Code) + (Prefix ? "*" : "");
}
