using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// The semantic checks a kind runs on its parameters, reported under <c>$.parameters</c>: codes of the right system
/// with valid check digits, references into the drug vocabulary, positive numbers.
/// </summary>
internal sealed class RuleChecks(ErrorSink sink, string root = "$.parameters")
{
    public ErrorSink Sink { get; } = sink;

    public string At(string path) => path.Length == 0 ? root : $"{root}.{path}";

    public void Add(string path, string message) => Sink.Add(At(path), message);

    public void Positive(string path, int value)
    {
        if (value <= 0)
        {
            Add(path, "must be a positive whole number");
        }
    }

    public void NotEmpty<T>(string path, IReadOnlyList<T> values)
    {
        if (values.Count == 0)
        {
            Add(path, "must not be empty");
        }
    }

    public bool Ingredient(string path, string id, DrugVocabulary vocabulary)
    {
        if (vocabulary.Ingredient(id) is null)
        {
            Add(path, $"unknown ingredient '{id}'");
            return false;
        }

        return true;
    }

    public void Class(string path, string id, DrugVocabulary vocabulary)
    {
        if (vocabulary.Class(id) is null)
        {
            Add(path, $"unknown class '{id}'");
        }
    }

    /// <summary>Each code of a known system, one of <paramref name="allowed"/>, well-formed (check digits), prefix only for ICD-10-CM.</summary>
    public void Codes(string path, IReadOnlyList<CodePattern> codes, params string[] allowed)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            var (system, code, prefix, _) = codes[i];
            var at = $"{path}[{i}]";
            if (!Terminology.KnownSystems.Contains(system, StringComparer.Ordinal))
            {
                Add($"{at}.system", $"unknown code system '{system}' (known: {string.Join(", ", Terminology.KnownSystems)})");
            }
            else if (!allowed.Contains(system, StringComparer.Ordinal))
            {
                Add($"{at}.system", $"{Terminology.ShortName(system)} codes are not expected here (use {string.Join(" or ", allowed.Select(Terminology.ShortName))})");
            }
            else if (prefix && system != CodeSystems.Icd10Cm)
            {
                Add($"{at}.prefix", "prefix matching is only meaningful for ICD-10-CM");
            }
            else if (Terminology.FormatProblem(system, code, prefix) is { } problem)
            {
                Add($"{at}.code", problem);
            }
        }
    }

    /// <summary>Codes that must not be empty (a rule reading no code would never fire).</summary>
    public void RequiredCodes(string path, IReadOnlyList<CodePattern> codes, params string[] allowed)
    {
        NotEmpty(path, codes);
        Codes(path, codes, allowed);
    }
}
