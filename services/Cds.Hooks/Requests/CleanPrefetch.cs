using System.Text.Json;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Requests;

/// <summary>
/// The fast way to classify a prefetch value (issue 15, B5): when its JSON is clean R4 (<see cref="CleanR4Json"/>) the item
/// is built from the JSON itself, without Firely POCOs. A Bundle is checked entry by entry; an entry the check is unsure of
/// is read by Firely alone and kept only when Firely reports nothing about it. Anything else (a problem, a tolerated
/// issue, a repair) returns null and the caller reads the whole value with Firely, so every problem and tolerated issue
/// is still Firely's, exactly as before.
/// </summary>
internal static class CleanPrefetch
{
    public static PrefetchItem? TryClassify(string key, JsonElement value, string path)
    {
        var mapping = CleanR4Json.ResourceMapping(value);
        if (mapping is null || mapping.NativeType == typeof(OperationOutcome))
            return null; // a bare OperationOutcome is small: Firely reads it
        if (mapping.NativeType != typeof(Bundle))
            return CleanR4Json.IsClean(value) ? new PrefetchItem { Key = key, State = PrefetchState.Provided, Data = [value] } : null;
        if (!CleanR4Json.IsClean(value, skipEntryResources: true))
            return null;

        var data = new List<JsonElement>();
        var outcomes = new List<OperationOutcome>();
        if (value.TryGetProperty("entry", out var entries))
        {
            var i = 0;
            foreach (var entry in entries.EnumerateArray())
            {
                var at = JsonPath.Member(JsonPath.Index(JsonPath.Member(path, "entry"), i++), "resource");
                if (!entry.TryGetProperty("resource", out var resource))
                    continue;
                if (CleanR4Json.ResourceMapping(resource) is not { } entryMapping)
                    return null; // not a resource Firely knows (or not an object): Firely says what is wrong
                var isOutcome = entry.TryGetProperty("search", out var search) && search.TryGetProperty("mode", out var mode)
                    && mode.GetString() == "outcome";
                var isOperationOutcome = entryMapping.NativeType == typeof(OperationOutcome);
                if (!isOperationOutcome && CleanR4Json.IsClean(resource))
                {
                    if (!isOutcome)
                        data.Add(resource);
                    continue;
                }
                var read = FhirResourceReader.Read(resource, at);
                if (!read.Succeeded || read.ToleratedIssues.Count > 0)
                    return null;
                if (read.Resource is OperationOutcome outcome)
                    outcomes.Add(outcome); // an OperationOutcome is never data, whatever its search.mode
                else if (!isOutcome)
                    data.Add(read.Json!.Value);
                // an outcome-mode entry that is not an OperationOutcome is neither data nor an outcome: dropped
            }
        }
        return new PrefetchItem
        {
            Key = key,
            State = data.Count > 0 ? PrefetchState.Provided : PrefetchState.NoData,
            Data = data,
            Outcomes = outcomes,
            WasBundle = true,
            NextPageUrl = NextPage(value),
        };
    }

    private static string? NextPage(JsonElement bundle)
    {
        if (!bundle.TryGetProperty("link", out var links))
            return null;
        foreach (var link in links.EnumerateArray())
        {
            if (link.TryGetProperty("relation", out var relation) && string.Equals(relation.GetString(), "next", StringComparison.OrdinalIgnoreCase))
                return link.TryGetProperty("url", out var url) ? url.GetString() : null;
        }
        return null;
    }
}
