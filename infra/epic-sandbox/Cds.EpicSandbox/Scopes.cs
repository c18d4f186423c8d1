namespace Cds.EpicSandbox;

/// <summary>SMART scope parsing (v1 `.read/.write/.*`, v2 `.cruds`) against Epic Incoming APIs.</summary>
internal static class Scopes
{
    public static IReadOnlyList<FhirInteraction> InteractionsOf(string permission, string resourceType)
    {
        var list = new List<FhirInteraction>();
        switch (permission)
        {
            case "read":
                list.AddRange([FhirInteraction.Read, FhirInteraction.Search]);
                break;
            case "write":
                list.AddRange([FhirInteraction.Create, FhirInteraction.Update]);
                break;
            case "*":
                list.AddRange([FhirInteraction.Read, FhirInteraction.Search, FhirInteraction.Create, FhirInteraction.Update]);
                break;
            default:
                foreach (var ch in permission)
                {
                    switch (ch)
                    {
                        case 'c': list.Add(FhirInteraction.Create); break;
                        case 'r': list.Add(FhirInteraction.Read); break;
                        case 'u': list.Add(FhirInteraction.Update); break;
                        case 'd': break;
                        case 's': list.Add(FhirInteraction.Search); break;
                        default: return [];
                    }
                }

                break;
        }

        if (resourceType == "Group" && (list.Contains(FhirInteraction.Read) || list.Contains(FhirInteraction.Search)))
        {
            list.Add(FhirInteraction.Export);
        }

        return list;
    }

    /// <summary>Grants each requested scope as far as the registration allows. Null when a scope is malformed or not `system/`.</summary>
    public static (HashSet<EpicApi> Permissions, string GrantedScope)? Grant(string? requested, IReadOnlySet<EpicApi> registered, out string? error)
    {
        error = null;
        var permissions = new HashSet<EpicApi>();
        var granted = new List<string>();
        if (string.IsNullOrWhiteSpace(requested))
        {
            // Epic grants the registration when no scope is asked for.
            permissions.UnionWith(registered);
            granted.AddRange(registered.GroupBy(a => a.ResourceType).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"system/{g.Key}.{Letters(g.Select(a => a.Interaction))}"));
            return (permissions, string.Join(' ', granted));
        }

        foreach (var scope in requested.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!scope.StartsWith("system/", StringComparison.Ordinal))
            {
                error = $"Invalid scope \"{scope}\": only system scopes are allowed for backend services.";
                return null;
            }

            var body = scope["system/".Length..];
            var q = body.IndexOf('?', StringComparison.Ordinal);
            if (q >= 0)
            {
                body = body[..q];
            }

            var dot = body.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0)
            {
                error = $"Invalid scope \"{scope}\".";
                return null;
            }

            var type = body[..dot];
            var permission = body[(dot + 1)..];
            var types = type == "*" ? registered.Select(a => a.ResourceType).Distinct().ToList() : [type];
            foreach (var t in types.Order(StringComparer.Ordinal))
            {
                var asked = InteractionsOf(permission, t);
                if (asked.Count == 0)
                {
                    error = $"Invalid scope \"{scope}\".";
                    return null;
                }

                var ok = asked.Where(i => registered.Contains(new EpicApi(t, i))).ToList();
                if (ok.Count == 0)
                {
                    continue;
                }

                permissions.UnionWith(ok.Select(i => new EpicApi(t, i)));
                var text = ok.Count == asked.Count && type != "*" ? scope : $"system/{t}.{Letters(ok)}";
                if (!granted.Contains(text))
                {
                    granted.Add(text);
                }
            }
        }

        if (permissions.Count == 0)
        {
            error = "None of the requested scopes is registered for this client.";
            return null;
        }

        return (permissions, string.Join(' ', granted));
    }

    private static string Letters(IEnumerable<FhirInteraction> interactions)
    {
        var set = interactions.ToHashSet();
        var s = "";
        if (set.Contains(FhirInteraction.Create)) s += "c";
        if (set.Contains(FhirInteraction.Read) || set.Contains(FhirInteraction.Export)) s += "r";
        if (set.Contains(FhirInteraction.Update)) s += "u";
        if (set.Contains(FhirInteraction.Search)) s += "s";
        return s;
    }

    /// <summary>Epic's own scope string for fhirAuthorization ("Patient.Read (R4) Observation.Search (Labs) (R4) ...").</summary>
    public static string EpicScopeString(IEnumerable<EpicApi> apis)
    {
        var names = new List<string>();
        foreach (var api in apis.OrderBy(a => a.ResourceType, StringComparer.Ordinal).ThenBy(a => a.Interaction))
        {
            names.Add(api.EpicName);
            if (api.ResourceType == "Observation" && api.Interaction is FhirInteraction.Read or FhirInteraction.Search)
            {
                names.Add($"Observation.{api.Interaction} (Labs) (R4)");
                names.Add($"Observation.{api.Interaction} (Vitals) (R4)");
            }

            if (api.ResourceType == "Condition" && api.Interaction is FhirInteraction.Read or FhirInteraction.Search)
            {
                names.Add($"Condition.{api.Interaction} (Problems) (R4)");
            }
        }

        names.Add("urn:Epic-com:Informatics.2014.Services.Order.AnnotateOrders");
        return string.Join(' ', names);
    }
}
