namespace Cds.Rules;

/// <summary>Validated, immutable rules plus the drug vocabulary they share. Build it with <see cref="RuleSetLoader.Load"/>.</summary>
public sealed class RuleSet
{
    internal RuleSet(IReadOnlyList<RuleDefinition> rules, DrugVocabulary vocabulary)
    {
        Rules = rules;
        Vocabulary = vocabulary;
        Versions = [.. rules.Select(r => $"{r.Id}@{r.TunedVersion}"), $"{vocabulary.Id}@{vocabulary.Version}"];
    }

    public IReadOnlyList<RuleDefinition> Rules { get; }
    public DrugVocabulary Vocabulary { get; }

    /// <summary>
    /// "id@version" of every rule and of the vocabulary, for <c>HookEvaluated.RuleVersions</c>; a rule a tenant tuned
    /// is "id@version+{overrides hash}", one it switched off is not listed.
    /// </summary>
    public IReadOnlyList<string> Versions { get; }

    /// <summary>Whether the rule runs in this set: false for a rule a tenant switched off (or one no longer shipped).</summary>
    public bool Has(string ruleId) => Rules.Any(r => string.Equals(r.Id, ruleId, StringComparison.Ordinal));

    public IEnumerable<RuleDefinition> RulesFor(string hook) => Rules.Where(r => r.Hooks.Contains(hook, StringComparer.Ordinal));
}
