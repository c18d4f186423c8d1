using System.Text.RegularExpressions;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// What the members every rule file shares must mean: ids and versions spelt right, known indicators and hooks the
/// kind can run on, Epic's topic code, override reasons for warnings, and templates that fit Epic's card limits.
/// </summary>
internal static partial class RuleHeader
{
    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*$")]
    public static partial Regex IdPattern();

    [GeneratedRegex(@"^\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?$")]
    public static partial Regex VersionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,100}$")]
    private static partial Regex TopicCodePattern();

    [GeneratedRegex(@"^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex ReasonCodePattern();

    private static readonly string[] KnownHooks = [HookNames.PatientView, HookNames.OrderSelect, HookNames.OrderSign];

    public static bool IsIndicator(string? value) => value is Indicators.Info or Indicators.Warning or Indicators.Critical;

    /// <summary>Checks the id and version every data file has (rules and the vocabulary).</summary>
    public static void CheckIdentity(string id, string version, ErrorSink sink)
    {
        if (!IdPattern().IsMatch(id) || id.Length > 64)
        {
            sink.Add("$.id", $"'{id}' must be lower-case letters, digits and single dashes (≤ 64)");
        }

        if (!VersionPattern().IsMatch(version))
        {
            sink.Add("$.version", $"'{version}' is not a version like 1.2.0");
        }
    }

    public static RuleDefinition? ToDefinition(RuleFile file, IRuleKind kind, DrugVocabulary vocabulary, ErrorSink sink)
    {
        var before = sink.Count;
        CheckIdentity(file.Id, file.Version, sink);
        if (!IsIndicator(file.Indicator))
        {
            sink.Add("$.indicator", $"unknown indicator '{file.Indicator}' (info, warning or critical)");
        }

        for (var i = 0; i < file.Hooks.Count; i++)
        {
            var hook = file.Hooks[i];
            if (!KnownHooks.Contains(hook, StringComparer.Ordinal))
            {
                sink.Add($"$.hooks[{i}]", $"unknown hook '{hook}'");
            }
            else if (!kind.Hooks.Contains(hook, StringComparer.Ordinal))
            {
                sink.Add($"$.hooks[{i}]", $"a {kind.Name} rule cannot run on '{hook}' (allowed: {string.Join(", ", kind.Hooks)})");
            }
        }

        if (file.Hooks.Count == 0)
        {
            sink.Add("$.hooks", "must not be empty");
        }

        if (!TopicCodePattern().IsMatch(file.Topic.Code))
        {
            sink.Add("$.topic.code", $"'{file.Topic.Code}' must be 1–100 letters or digits (Epic remembers overrides by it)");
        }

        if (!(Uri.TryCreate(file.Source.Url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
        {
            sink.Add("$.source.url", $"'{file.Source.Url}' must be an absolute http(s) URL");
        }

        CheckReasons(file, sink);
        CheckSuggestion(file, kind, sink);
        kind.Check(file.Untyped, vocabulary, new RuleChecks(sink));
        CardTemplates.Check(file.Templates, kind, sink, () => kind.WorstCase(file.Untyped, vocabulary));
        if (sink.Count > before)
        {
            return null;
        }

        return new RuleDefinition
        {
            Id = file.Id,
            Version = file.Version,
            Kind = kind.Name,
            File = sink.File,
            Hooks = [.. file.Hooks.Distinct(StringComparer.Ordinal)],
            Topic = file.Topic.ToCoding(),
            Source = file.Source,
            Indicator = file.Indicator,
            FlagForDocumentation = file.FlagForDocumentation,
            OverrideReasons = [.. file.OverrideReasons.Select(r => new OverrideReason { Code = r.Code, Display = r.Display, System = file.OverrideReasonSystem! })],
            Suggestion = file.Suggestion,
            Templates = file.Templates,
            Parameters = file.Untyped,
            Evaluator = kind,
        };
    }

    private static void CheckReasons(RuleFile file, ErrorSink sink)
    {
        for (var i = 0; i < file.OverrideReasons.Count; i++)
        {
            var code = file.OverrideReasons[i].Code;
            if (!ReasonCodePattern().IsMatch(code))
            {
                sink.Add($"$.overrideReasons[{i}].code", $"'{code}' must be letters, digits or dashes (≤ 64)");
            }
            else if (file.OverrideReasons.Take(i).Any(r => r.Code == code))
            {
                sink.Add($"$.overrideReasons[{i}].code", $"duplicate override reason '{code}'");
            }
        }

        if (file.OverrideReasons.Count > 0 && string.IsNullOrWhiteSpace(file.OverrideReasonSystem))
        {
            sink.Add("$.overrideReasonSystem", "is required when overrideReasons are given");
        }

        if (file.Indicator is Indicators.Warning or Indicators.Critical && file.OverrideReasons.Count == 0)
        {
            sink.Add("$.overrideReasons", "warning and critical cards need override reasons");
        }
    }

    private static void CheckSuggestion(RuleFile file, IRuleKind kind, ErrorSink sink)
    {
        if (file.Suggestion is not { } suggestion)
        {
            return;
        }

        if (!RuleKinds.ReadsDrafts(kind))
        {
            sink.Add("$.suggestion", $"a {kind.Name} rule has no draft order to remove");
        }

        foreach (var (name, text) in new[] { ("label", suggestion.Label), ("description", suggestion.Description) })
        {
            foreach (var placeholder in CardText.PlaceholdersIn(text).Where(p => p != "drug"))
            {
                sink.Add($"$.suggestion.{name}", $"unknown placeholder {{{placeholder}}} (only {{drug}})");
            }
        }
    }
}
