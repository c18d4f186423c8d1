using Hl7.Fhir.Model;

namespace Cds.Fhir.Search;

/// <summary>
/// Epic's search rules checked before the call, so a refused search costs no round trip and says what to change:
/// Observation needs <c>patient</c> plus <c>category</c> or <c>code</c>; parameters must be supported by the tenant
/// (CapabilityStatement plus configured overrides).
/// </summary>
public static class SearchGuard
{
    /// <summary>Parameters this client adds itself or that only shape the result.</summary>
    public static readonly IReadOnlySet<string> AlwaysAllowed = new HashSet<string>(StringComparer.Ordinal) { "_count" };

    /// <summary>Throws <see cref="EpicSearchRejectedException"/> when Epic would refuse the search.</summary>
    public static void CheckEpicRules(string tenant, string resourceType, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new EpicSearchRejectedException(tenant, resourceType, "a search parameter has an empty name.");
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                throw new EpicSearchRejectedException(tenant, resourceType, $"search parameter '{BaseName(name)}' has an empty value.");
            }
        }

        if (resourceType == "Observation")
        {
            var names = parameters.Select(p => BaseName(p.Key)).ToHashSet(StringComparer.Ordinal);
            var hasPatient = names.Contains("patient");
            var hasCategoryOrCode = names.Contains("category") || names.Contains("code");
            if (!hasPatient || !hasCategoryOrCode)
            {
                var missing = (hasPatient ? "" : "'patient'") + (!hasPatient && !hasCategoryOrCode ? " and " : "") +
                              (hasCategoryOrCode ? "" : "'category' or 'code'");
                throw new EpicSearchRejectedException(tenant, resourceType,
                    $"Epic refuses Observation searches without 'patient' and one of 'category' or 'code'; missing {missing} " +
                    "(e.g. patient=<id>&category=laboratory, or patient=<id>&code=http://loinc.org|4548-4).");
            }
        }
    }

    /// <summary>Throws when a parameter is not in <paramref name="supported"/> (null = unknown support: everything passes).</summary>
    public static void CheckSupported(string tenant, string resourceType, IReadOnlyList<KeyValuePair<string, string>> parameters, IReadOnlySet<string>? supported)
    {
        if (supported is null)
        {
            return;
        }

        var unsupported = parameters.Select(p => BaseName(p.Key)).Where(n => !AlwaysAllowed.Contains(n) && !supported.Contains(n))
            .Distinct(StringComparer.Ordinal).ToList();
        if (unsupported.Count > 0)
        {
            throw new EpicSearchRejectedException(tenant, resourceType,
                $"parameter(s) {string.Join(", ", unsupported.Select(u => $"'{u}'"))} not supported by this tenant for {resourceType} " +
                $"(supported: {(supported.Count == 0 ? "none listed" : string.Join(", ", supported.Order(StringComparer.Ordinal)))}). " +
                $"If the site does support it, add it to Tenants:{tenant}:Search:SupportedParameters:{resourceType}.");
        }
    }

    /// <summary>"code:text" → "code", "subject:Patient.name" → "subject".</summary>
    public static string BaseName(string name)
    {
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var cut = new[] { colon, dot }.Where(i => i > 0).DefaultIfEmpty(name.Length).Min();
        return name[..cut];
    }

    /// <summary>
    /// Supported search parameter names for <paramref name="resourceType"/>: the CapabilityStatement's (when given and
    /// listing the resource) plus <paramref name="overrides"/>. Null when neither says anything.
    /// </summary>
    public static IReadOnlySet<string>? Supported(CapabilityStatement? capability, string resourceType, IReadOnlyDictionary<string, List<string>> overrides)
    {
        HashSet<string>? set = null;
        var resource = capability?.Rest?.Where(r => r?.Mode is null or CapabilityStatement.RestfulCapabilityMode.Server)
            .SelectMany(r => r.Resource ?? []).FirstOrDefault(r => r?.Type == resourceType);
        if (capability is not null)
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            if (resource is not null)
            {
                foreach (var p in resource.SearchParam ?? [])
                {
                    if (!string.IsNullOrEmpty(p?.Name))
                    {
                        set.Add(p.Name);
                    }
                }
            }
        }

        if (overrides.TryGetValue(resourceType, out var extra))
        {
            set ??= new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in extra.Where(n => !string.IsNullOrWhiteSpace(n)))
            {
                set.Add(name.Trim());
            }
        }

        return set;
    }
}
