using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cds.Rules;

/// <summary>
/// A tenant's rule set: the shipped rules with the tenant's <c>Tenants:{id}:Rules:{ruleId}</c> applied (a rule
/// switched off is left out; overridden parameters are written into the rule's file and the file is read and checked
/// again by its kind, so the kind's own record and checks decide what is a known parameter, its type and its range).
/// Pure: every problem is named by its setting; none leaves the tenant with a half-tuned set.
/// </summary>
public static class RuleTuning
{
    /// <summary>The tuned rule set, or <paramref name="rules"/> itself when the tenant tunes nothing; problems added to <paramref name="errors"/>.</summary>
    public static RuleSet Tune(RuleSet rules, string tenant, IReadOnlyDictionary<string, TenantRuleSettings> settings, List<RuleTuningError> errors)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var byId = rules.Rules.ToDictionary(r => r.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var id in settings.Keys.Where(id => !byId.ContainsKey(id)))
        {
            errors.Add(new RuleTuningError($"Tenants:{tenant}:Rules:{id}",
                $"unknown rule '{id}' (known: {string.Join(", ", byId.Keys.Order(StringComparer.Ordinal))})"));
        }

        var tuned = new List<RuleDefinition>();
        foreach (var rule in rules.Rules)
        {
            var (key, own) = settings.FirstOrDefault(s => string.Equals(s.Key, rule.Id, StringComparison.OrdinalIgnoreCase));
            if (own is null)
            {
                tuned.Add(rule);
            }
            else if (Tune(rule, rules.Vocabulary, $"Tenants:{tenant}:Rules:{key}", own, errors) is { } one && own.Enabled)
            {
                tuned.Add(one);
            }
        }

        return errors.Count > before || (tuned.Count == rules.Rules.Count && tuned.SequenceEqual(rules.Rules))
            ? rules
            : new RuleSet(tuned, rules.Vocabulary);
    }

    /// <summary>
    /// Stable over the overrides' order and spelling: SHA-256 of the sorted <c>name=value</c> lines (names as the file
    /// spells them, values as JSON), its first 12 hex digits. Null without overrides.
    /// </summary>
    public static string? OverridesHash(IReadOnlyDictionary<string, string> overrides)
    {
        if (overrides.Count == 0)
        {
            return null;
        }

        var text = string.Join('\n', overrides.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }

    private static RuleDefinition? Tune(RuleDefinition rule, DrugVocabulary vocabulary, string prefix, TenantRuleSettings settings, List<RuleTuningError> errors)
    {
        if (settings.Parameters.Count == 0)
        {
            return rule;
        }

        var root = JsonNode.Parse(rule.Root.GetRawText())!.AsObject();
        var parameters = root["parameters"]!.AsObject();
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        var settingOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var before = errors.Count;
        foreach (var (key, value) in settings.Parameters)
        {
            var (name, written, error) = ParameterPatch.Set(parameters, key, value);
            if (error is not null)
            {
                errors.Add(new RuleTuningError($"{prefix}:Parameters:{key}", error));
                continue;
            }

            overrides[name] = written!.ToJsonString();
            settingOf[name] = $"{prefix}:Parameters:{key}";
        }

        if (errors.Count > before)
        {
            return null;
        }

        // Read and checked again by the rule's own kind: its record (known members, types) and its checks (ranges).
        var patched = JsonSerializer.SerializeToElement(root);
        var problems = new List<RuleValidationError>();
        var sink = new ErrorSink(rule.File, problems);
        var definition = rule.Evaluator.Read(patched, sink) is { } file ? RuleHeader.ToDefinition(file, rule.Evaluator, vocabulary, sink) : null;
        foreach (var problem in problems)
        {
            var setting = settingOf.FirstOrDefault(s => Covers($"$.parameters.{s.Key}", problem.Path)).Value;
            errors.Add(setting is null
                ? new RuleTuningError($"{prefix}:Parameters", $"{problem.Path}: {problem.Message}")
                : new RuleTuningError(setting, problem.Message));
        }

        return definition is null || problems.Count > 0
            ? null
            : definition with { File = rule.File, Root = patched, Overrides = overrides, OverridesHash = OverridesHash(overrides) };
    }

    /// <summary>Whether the problem at <paramref name="path"/> is about the value at <paramref name="at"/> (or inside it).</summary>
    private static bool Covers(string at, string path) =>
        path == at || path.StartsWith(at + ".", StringComparison.Ordinal) || path.StartsWith(at + "[", StringComparison.Ordinal);
}
