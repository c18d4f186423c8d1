using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// Code-system identity and code-format checks. No outside terminology server: the code lists live in the rule data
/// files; this class only knows how each system spells its URI and its codes.
/// </summary>
public static class Terminology
{
    /// <summary>Code systems a rule file may use.</summary>
    public static readonly IReadOnlyList<string> KnownSystems =
        [CodeSystems.RxNorm, CodeSystems.Snomed, CodeSystems.Loinc, CodeSystems.Icd10Cm];

    // HL7 OIDs Epic and C-CDA-derived data use for the same systems (e.g. "urn:oid:2.16.840.1.113883.6.90" in Epic cards).
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        [CodeSystems.RxNorm] = CodeSystems.RxNorm,
        ["urn:oid:2.16.840.1.113883.6.88"] = CodeSystems.RxNorm,
        [CodeSystems.Snomed] = CodeSystems.Snomed,
        ["urn:oid:2.16.840.1.113883.6.96"] = CodeSystems.Snomed,
        [CodeSystems.Loinc] = CodeSystems.Loinc,
        ["urn:oid:2.16.840.1.113883.6.1"] = CodeSystems.Loinc,
        [CodeSystems.Icd10Cm] = CodeSystems.Icd10Cm,
        ["urn:oid:2.16.840.1.113883.6.90"] = CodeSystems.Icd10Cm,
    };

    /// <summary>The canonical URI of a known system (accepting its HL7 OID), or null for anything else.</summary>
    public static string? CanonicalSystem(string? system)
    {
        if (string.IsNullOrWhiteSpace(system))
        {
            return null;
        }

        return Aliases.TryGetValue(system.Trim().TrimEnd('/'), out var canonical) ? canonical : null;
    }

    /// <summary>Codes compared in one spelling: trimmed; ICD-10-CM upper-case without the dot.</summary>
    public static string NormalizeCode(string canonicalSystem, string code)
    {
        var trimmed = code.Trim();
        return canonicalSystem == CodeSystems.Icd10Cm ? trimmed.Replace(".", "", StringComparison.Ordinal).ToUpperInvariant() : trimmed;
    }

    /// <summary>Short, name-free label for evidence strings: "rxnorm|723".</summary>
    public static string Evidence(string canonicalSystem, string code) => $"{ShortName(canonicalSystem)}|{code}";

    public static string ShortName(string canonicalSystem) => canonicalSystem switch
    {
        CodeSystems.RxNorm => "rxnorm",
        CodeSystems.Snomed => "snomed",
        CodeSystems.Loinc => "loinc",
        CodeSystems.Icd10Cm => "icd10cm",
        _ => canonicalSystem,
    };

    /// <summary>Why a code is malformed for its system, or null when it is well-formed (check digits included).</summary>
    public static string? FormatProblem(string canonicalSystem, string code, bool prefix)
    {
        switch (canonicalSystem)
        {
            case CodeSystems.RxNorm:
                return IsDigits(code) && code.Length <= 8 && code[0] != '0' ? null : $"RxNorm code '{code}' must be an RXCUI (1–8 digits)";
            case CodeSystems.Snomed:
                return IsValidSctId(code) ? null : $"SNOMED CT code '{code}' is not a valid concept id (length, partition or Verhoeff check digit)";
            case CodeSystems.Loinc:
                return IsValidLoinc(code) ? null : $"LOINC code '{code}' is not valid (expected NNNNN-C with its mod-10 check digit)";
            case CodeSystems.Icd10Cm:
                return IsValidIcd10Cm(code, prefix) ? null : $"ICD-10-CM code '{code}' is not well-formed";
            default:
                return $"unknown code system '{canonicalSystem}'";
        }
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    /// <summary>LOINC: digits, '-', one mod-10 (Luhn) check digit.</summary>
    public static bool IsValidLoinc(string code)
    {
        var dash = code.IndexOf('-', StringComparison.Ordinal);
        if (dash < 1 || dash != code.Length - 2 || dash > 7)
        {
            return false;
        }

        var body = code[..dash];
        var check = code[^1];
        if (!IsDigits(body) || !char.IsAsciiDigit(check))
        {
            return false;
        }

        var sum = 0;
        var doubleIt = true; // the rightmost digit of the body is doubled
        for (var i = body.Length - 1; i >= 0; i--)
        {
            var d = body[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return (10 - sum % 10) % 10 == check - '0';
    }

    // Verhoeff tables (dihedral group D5), as used by SNOMED CT identifiers.
    private static readonly int[,] VerhoeffD =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 }, { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 },
        { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 }, { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
        { 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 }, { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 },
        { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
    };

    private static readonly int[,] VerhoeffP =
    {
        { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 }, { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 },
        { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 }, { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
        { 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
    };

    /// <summary>SNOMED CT concept id: 6–18 digits, concept partition (00 or 10), Verhoeff check digit.</summary>
    public static bool IsValidSctId(string code)
    {
        if (!IsDigits(code) || code.Length < 6 || code.Length > 18 || code[0] == '0')
        {
            return false;
        }

        var partition = code.Substring(code.Length - 3, 2);
        if (partition is not ("00" or "10"))
        {
            return false;
        }

        var c = 0;
        for (var i = 0; i < code.Length; i++)
        {
            var digit = code[code.Length - 1 - i] - '0';
            c = VerhoeffD[c, VerhoeffP[i % 8, digit]];
        }

        return c == 0;
    }

    /// <summary>ICD-10-CM: letter, digit, alphanumeric, then up to four more after an optional dot. A prefix may stop at 3 characters.</summary>
    public static bool IsValidIcd10Cm(string code, bool prefix)
    {
        var s = code.Replace(".", "", StringComparison.Ordinal);
        if (s.Length < 3 || s.Length > 7 || !char.IsAsciiLetterUpper(s[0]) || !char.IsAsciiDigit(s[1]) || !char.IsAsciiLetterOrDigit(s[2]))
        {
            return false;
        }

        if (!s.Skip(3).All(ch => char.IsAsciiDigit(ch) || char.IsAsciiLetterUpper(ch)))
        {
            return false;
        }

        var dot = code.IndexOf('.', StringComparison.Ordinal);
        return (dot < 0 || (dot == 3 && code.Length > 4)) && (prefix || s.Length >= 3);
    }
}
