using System.Globalization;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

/// <summary>The search parameters the sandbox supports, Epic-strict: under-specified searches are refused,
/// unknown parameters are ignored with a 4122 warning entry.</summary>
internal sealed class SearchEngine(FhirStore store, SandboxSettings settings)
{
    private static readonly HashSet<string> PatientCompartment = new(StringComparer.Ordinal)
    {
        "Observation", "Condition", "MedicationRequest", "AllergyIntolerance", "Encounter", "DocumentReference",
        "DiagnosticReport", "Immunization", "Procedure", "CarePlan", "CareTeam", "MedicationStatement",
    };

    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal) { "_format" };

    public static IReadOnlyDictionary<string, string[]> Supported { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Patient"] = ["_id", "identifier", "family", "given", "name", "birthdate", "gender"],
        ["Observation"] = ["_id", "patient", "subject", "category", "code", "date", "identifier"],
        ["Condition"] = ["_id", "patient", "subject", "category", "clinical-status", "code"],
        ["MedicationRequest"] = ["_id", "patient", "subject", "status", "intent"],
        ["AllergyIntolerance"] = ["_id", "patient", "clinical-status"],
        ["Encounter"] = ["_id", "patient", "subject", "date", "status"],
        ["DocumentReference"] = ["_id", "patient", "subject", "category", "type", "identifier", "date"],
        ["DiagnosticReport"] = ["_id", "patient", "subject", "category", "code"],
        ["Immunization"] = ["_id", "patient"],
        ["Procedure"] = ["_id", "patient"],
        ["CarePlan"] = ["_id", "patient"],
        ["CareTeam"] = ["_id", "patient"],
        ["Medication"] = ["_id", "code", "identifier"],
        ["Practitioner"] = ["_id", "identifier", "name", "family"],
        ["PractitionerRole"] = ["_id", "practitioner"],
        ["Organization"] = ["_id", "identifier", "name"],
        ["Group"] = ["_id"],
    };

    /// <summary>The parameters this sandbox ("site") supports for a type: <see cref="Supported"/> minus the configured unsupported ones.</summary>
    public IReadOnlyList<string> SupportedFor(string type) =>
        (Supported.TryGetValue(type, out var all) ? all : [])
        .Except(settings.UnsupportedSearchParameters.TryGetValue(type, out var off) ? off : [], StringComparer.Ordinal).ToList();

    /// <param name="conditional">An If-None-Exist search: Epic's minimum-parameter rules do not apply (an identifier is enough).</param>
    public SearchResult Search(string type, IReadOnlyList<KeyValuePair<string, string>> query, out SearchError? error, bool conditional = false)
    {
        error = null;
        var known = SupportedFor(type).ToHashSet(StringComparer.Ordinal);
        var warnings = new List<JsonObject>();
        var criteria = new List<(string Name, string Modifier, string Value)>();
        int? count = null;
        var includeMedications = false;
        foreach (var (rawName, value) in query)
        {
            if (rawName == "_include" && type == "MedicationRequest" && value == "MedicationRequest:medication")
            {
                includeMedications = true;
                continue;
            }

            var colon = rawName.IndexOf(':', StringComparison.Ordinal);
            var name = colon >= 0 ? rawName[..colon] : rawName;
            var modifier = colon >= 0 ? rawName[(colon + 1)..] : "";
            if (name == "_count")
            {
                if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c <= 0)
                {
                    error = Invalid("_count", "The _count parameter must be a positive integer.");
                    return Empty;
                }

                count = c;
                continue;
            }

            if (Ignored.Contains(name))
            {
                continue;
            }

            if (!known.Contains(name) || (modifier.Length > 0 && modifier is not ("exact" or "missing")))
            {
                warnings.Add(EpicOutcomes.UnknownParameter(settings.InstanceOid, rawName));
                continue;
            }

            criteria.Add((name, modifier, value));
        }

        var names = criteria.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var hasPatient = names.Contains("patient") || names.Contains("subject");
        if (conditional)
        {
            if (criteria.Count == 0)
            {
                error = Required(type, "at least one supported parameter in If-None-Exist");
                return Empty;
            }
        }
        else if (PatientCompartment.Contains(type) && !hasPatient && !names.Contains("_id"))
        {
            error = Required(type, "patient");
            return Empty;
        }

        if (!conditional && type == "Observation" && !names.Contains("_id") && !(names.Contains("category") || names.Contains("code")))
        {
            error = Required(type, "category or code");
            return Empty;
        }

        if (!conditional && type == "Patient" && criteria.Count == 0)
        {
            error = Required(type, "_id, identifier, or name and birthdate");
            return Empty;
        }

        var matches = store.OfType(type).Where(r => criteria.All(c => Matches(r, c.Name, c.Modifier, c.Value))).ToList();
        return new SearchResult(matches, warnings, count, includeMedications);
    }

    private static readonly SearchResult Empty = new([], [], null);

    private SearchError Required(string type, string what) => new(400, EpicOutcomes.Outcome(
        EpicOutcomes.Issue(settings.InstanceOid, "fatal", "required", "4111", "A required search parameter is missing.", diagnostics: $"{type} search requires {what}.")));

    private SearchError Invalid(string param, string text) => new(400, EpicOutcomes.Outcome(
        EpicOutcomes.Issue(settings.InstanceOid, "fatal", "value", "4100", "The resource request contained an invalid parameter.", "http." + param, text)));

    private static bool Matches(Resource r, string name, string modifier, string value)
    {
        var alternatives = value.Split(',');
        return name switch
        {
            "_id" => alternatives.Contains(r.Id),
            "patient" or "subject" => alternatives.Any(v => ResourceFields.PatientIdOf(r) is { } p && p == ResourceFields.LastSegment(v)),
            "identifier" => alternatives.Any(v => ResourceFields.IdentifiersOf(r).Any(i => TokenMatches(i.System, i.Value, v))),
            "category" => alternatives.Any(v => ResourceFields.CategoriesOf(r).Any(cc => Concept(cc, v))),
            "code" => alternatives.Any(v => ResourceFields.CodeOf(r) is { } cc && Concept(cc, v)),
            "type" => alternatives.Any(v => r is DocumentReference d && d.Type is { } t && Concept(t, v)),
            "clinical-status" => alternatives.Any(v => ResourceFields.ClinicalStatusOf(r) is { } cc && Concept(cc, v)),
            "status" => alternatives.Any(v => ResourceFields.StatusOf(r) == v),
            "intent" => alternatives.Any(v => r is MedicationRequest m && m.Intent?.ToString().Equals(v, StringComparison.OrdinalIgnoreCase) == true),
            "date" or "birthdate" => DateOf(r, name) is { } d && DateMatches(d, value),
            "gender" => r is Patient p && p.Gender?.ToString().Equals(value, StringComparison.OrdinalIgnoreCase) == true,
            "family" or "given" or "name" => NameMatches(r, name, modifier, alternatives),
            "practitioner" => r is PractitionerRole pr && alternatives.Any(v => ResourceFields.LastSegment(pr.Practitioner?.Reference) == ResourceFields.LastSegment(v)),
            _ => false,
        };
    }

    private static bool Concept(CodeableConcept cc, string token) => cc.Coding.Any(c => TokenMatches(c.System, c.Code, token));

    private static bool TokenMatches(string? system, string? code, string token)
    {
        var bar = token.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0)
        {
            return code == token;
        }

        var s = token[..bar];
        var c = token[(bar + 1)..];
        return (s.Length == 0 ? system is null : system == s) && (c.Length == 0 || code == c);
    }

    private static bool NameMatches(Resource r, string name, string modifier, string[] values)
    {
        var names = r switch
        {
            Patient p => p.Name,
            Practitioner p => p.Name,
            Organization o => [new HumanName { Text = o.Name }],
            _ => [],
        };
        var texts = names.SelectMany(n => name switch
        {
            "family" => [n.Family],
            "given" => n.Given,
            _ => n.Given.Append(n.Family).Append(n.Text),
        }).Where(t => t is not null).ToList();
        return values.Any(v => texts.Any(t => modifier == "exact" ? t == v : t!.StartsWith(v, StringComparison.OrdinalIgnoreCase)));
    }

    private static (DateTimeOffset Low, DateTimeOffset High)? DateOf(Resource r, string name)
    {
        string? text = (r, name) switch
        {
            (Patient p, "birthdate") => p.BirthDate,
            (Observation o, "date") => (o.Effective as FhirDateTime)?.Value ?? (o.Effective as Period)?.Start,
            (Encounter e, "date") => e.Period?.Start,
            (DocumentReference d, "date") => d.DateElement?.Value?.ToString("o", CultureInfo.InvariantCulture),
            _ => null,
        };
        return text is null ? null : Range(text);
    }

    /// <summary>The instant range a FHIR date/dateTime of any precision covers.</summary>
    internal static (DateTimeOffset Low, DateTimeOffset High)? Range(string text)
    {
        var formats = new (string Format, Func<DateTimeOffset, DateTimeOffset> End)[]
        {
            ("yyyy", d => d.AddYears(1)), ("yyyy-MM", d => d.AddMonths(1)), ("yyyy-MM-dd", d => d.AddDays(1)),
        };
        foreach (var (format, end) in formats)
        {
            if (DateTimeOffset.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
            {
                return (d, end(d).AddTicks(-1));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? (t, t) : null;
    }

    private static bool DateMatches((DateTimeOffset Low, DateTimeOffset High) value, string param)
    {
        var prefix = param.Length > 2 && char.IsLetter(param[0]) && char.IsLetter(param[1]) ? param[..2] : "eq";
        var text = prefix == "eq" && !param.StartsWith("eq", StringComparison.Ordinal) ? param : param[2..];
        if (Range(text) is not { } p)
        {
            return false;
        }

        return prefix switch
        {
            "ge" => value.High >= p.Low,
            "gt" => value.High > p.High,
            "le" => value.Low <= p.High,
            "lt" => value.Low < p.Low,
            "ne" => value.High < p.Low || value.Low > p.High,
            _ => value.Low >= p.Low && value.High <= p.High,
        };
    }
}
