using System.Text.Json;

namespace Cds.Rules;

/// <summary>
/// One kind of rule: the <c>"kind"</c> its data files name, the hooks that can feed it, its card templates, how its
/// <c>parameters</c> are read and checked, and its evaluation. Each kind lives in its own folder under <c>Kinds/</c>
/// with its data file; the loader finds every kind in this assembly, so adding one touches nothing else.
/// </summary>
internal interface IRuleKind
{
    string Name { get; }

    /// <summary>Hooks a rule of this kind may be bound to: medication kinds need draft orders.</summary>
    IReadOnlyList<string> Hooks { get; }

    /// <summary>Template names the kind needs, each with the placeholders it may use.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; }

    /// <summary>Reads the whole file (header and typed parameters); null after recording its structural problem.</summary>
    RuleFile? Read(JsonElement root, ErrorSink sink);

    /// <summary>Semantic checks of the parameters (vocabulary references, codes, thresholds), by JSON path.</summary>
    void Check(RuleParameters parameters, DrugVocabulary vocabulary, RuleChecks checks);

    /// <summary>Placeholder values as long as they can be, to prove each summary stays under 140 characters.</summary>
    IReadOnlyDictionary<string, string> WorstCase(RuleParameters parameters, DrugVocabulary vocabulary);

    IEnumerable<RuleOutcome> Evaluate(RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder);
}

/// <summary>Base of a kind whose parameters are the record <typeparamref name="TParameters"/>.</summary>
internal abstract class RuleKind<TParameters> : IRuleKind
    where TParameters : RuleParameters
{
    public abstract string Name { get; }
    public abstract IReadOnlyList<string> Hooks { get; }
    public abstract IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; }

    public RuleFile? Read(JsonElement root, ErrorSink sink) => RuleJson.Read<RuleFile<TParameters>>(root, sink);

    public void Check(RuleParameters parameters, DrugVocabulary vocabulary, RuleChecks checks) => Check((TParameters)parameters, vocabulary, checks);

    public IReadOnlyDictionary<string, string> WorstCase(RuleParameters parameters, DrugVocabulary vocabulary) =>
        WorstCase((TParameters)parameters, vocabulary);

    public IEnumerable<RuleOutcome> Evaluate(RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder) =>
        Evaluate((TParameters)rule.Parameters, rule, vocabulary, input, builder);

    protected abstract void Check(TParameters parameters, DrugVocabulary vocabulary, RuleChecks checks);

    protected abstract IReadOnlyDictionary<string, string> WorstCase(TParameters parameters, DrugVocabulary vocabulary);

    protected abstract IEnumerable<RuleOutcome> Evaluate(TParameters parameters, RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder);

    protected static IReadOnlyDictionary<string, IReadOnlyList<string>> Same(string[] names, string[] placeholders) =>
        names.ToDictionary(n => n, _ => (IReadOnlyList<string>)placeholders, StringComparer.Ordinal);
}
