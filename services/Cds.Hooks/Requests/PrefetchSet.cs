using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Cds.Hooks.Requests;

/// <summary>
/// The request's prefetch, classified per key. Keys are kept exactly as sent (Epic analysts name them by hand: <c>-user</c>).
/// <see cref="Get"/> of a key that was not sent returns a <see cref="PrefetchState.Missing"/> item.
/// </summary>
public sealed class PrefetchSet
{
    private readonly Dictionary<string, PrefetchItem> _items;

    public PrefetchSet(IEnumerable<PrefetchItem> items)
    {
        _items = new Dictionary<string, PrefetchItem>(StringComparer.Ordinal);
        foreach (var item in items)
            _items[item.Key] = item;
    }

    public static PrefetchSet Empty { get; } = new([]);

    /// <summary>Keys the request carried (in any state but Missing).</summary>
    public IReadOnlyCollection<string> Keys => _items.Keys;

    public IReadOnlyCollection<PrefetchItem> Items => _items.Values;

    public PrefetchItem Get(string key) => _items.TryGetValue(key, out var item) ? item : PrefetchItem.MissingKey(key);

    public PrefetchState StateOf(string key) => Get(key).State;

    /// <summary>Of <paramref name="expectedKeys"/> (e.g. the service's templates), those the request did not carry.</summary>
    public IReadOnlyList<string> MissingOf(IEnumerable<string> expectedKeys) =>
        expectedKeys.Where(k => Get(k).State == PrefetchState.Missing).ToList();

    /// <summary>
    /// Classifies a <c>prefetch</c> object. Returns problems for values that are not FHIR resources or not readable as R4;
    /// with <see cref="InvalidPrefetchHandling.TreatAsMissing"/> such keys become Missing (flagged) instead.
    /// </summary>
    public static (PrefetchSet Set, IReadOnlyList<RequestProblem> Problems) Classify(JsonElement prefetch, string path = "prefetch",
        InvalidPrefetchHandling invalid = InvalidPrefetchHandling.Reject) => Classify(prefetch, path, invalid, fastPath: true);

    /// <summary><see cref="Classify(JsonElement, string, InvalidPrefetchHandling)"/>; <paramref name="fastPath"/> false reads
    /// every key with Firely (tests compare both paths).</summary>
    internal static (PrefetchSet Set, IReadOnlyList<RequestProblem> Problems) Classify(JsonElement prefetch, string path,
        InvalidPrefetchHandling invalid, bool fastPath)
    {
        if (prefetch.ValueKind == JsonValueKind.Null || prefetch.ValueKind == JsonValueKind.Undefined)
            return (Empty, []);
        // Items keep JSON elements (PrefetchItem.Data): they must outlive the caller's document. Free when the element
        // already comes from a clone (the request reader's root).
        prefetch = prefetch.Clone();
        if (prefetch.ValueKind != JsonValueKind.Object)
            return (Empty, [new RequestProblem(path, "prefetch must be a JSON object of key → FHIR resource.", ProblemCode.Invalid)]);

        var items = new List<PrefetchItem>();
        var problems = new List<RequestProblem>();
        foreach (var property in prefetch.EnumerateObject())
        {
            var keyPath = JsonPath.Member(path, property.Name);
            var (item, itemProblems) = ClassifyOne(property.Name, property.Value, keyPath, fastPath);
            if (itemProblems.Count > 0)
            {
                if (invalid == InvalidPrefetchHandling.Reject)
                    problems.AddRange(itemProblems);
                else
                    items.Add(new PrefetchItem { Key = property.Name, State = PrefetchState.Missing, WasInvalid = true });
                continue;
            }
            items.Add(item!);
        }
        return (new PrefetchSet(items), problems);
    }

    private static (PrefetchItem? Item, IReadOnlyList<RequestProblem> Problems) ClassifyOne(string key, JsonElement value, string path, bool fastPath)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return (new PrefetchItem { Key = key, State = PrefetchState.NoData }, []);
        if (value.ValueKind != JsonValueKind.Object)
            return (null, [new RequestProblem(path, "A prefetch value must be a FHIR resource or null.", ProblemCode.Invalid)]);
        if (fastPath && CleanPrefetch.TryClassify(key, value, path) is { } clean)
            return (clean, []);

        var read = FhirResourceReader.Read(value, path);
        if (!read.Succeeded)
            return (null, read.Problems);
        var (item, problems) = Classified(key, read);
        return (item is null ? null : item with { ToleratedIssues = read.ToleratedIssues }, problems);
    }

    private static (PrefetchItem? Item, IReadOnlyList<RequestProblem> Problems) Classified(string key, FhirReadResult read)
    {
        switch (read.Resource)
        {
            case OperationOutcome outcome:
                return (new PrefetchItem { Key = key, State = PrefetchState.NoData, Outcomes = [outcome] }, []);
            case Bundle bundle:
            {
                var data = new List<Resource>();
                var json = new List<JsonElement>();
                var outcomes = new List<OperationOutcome>();
                var entries = read.Json!.Value.TryGetProperty("entry", out var e) && e.ValueKind == JsonValueKind.Array ? e : default;
                var aligned = entries.ValueKind == JsonValueKind.Array && entries.GetArrayLength() == bundle.Entry.Count;
                for (var i = 0; i < bundle.Entry.Count; i++)
                {
                    var entry = bundle.Entry[i];
                    if (entry?.Resource is null)
                        continue;
                    var isOutcome = entry.Search?.Mode == Bundle.SearchEntryMode.Outcome;
                    if (entry.Resource is OperationOutcome oo)
                        outcomes.Add(oo); // an OperationOutcome is never data, whatever its search.mode
                    else if (!isOutcome)
                    {
                        data.Add(entry.Resource);
                        json.Add(aligned ? entries[i].GetProperty("resource") : JsonSerializer.Deserialize<JsonElement>(entry.Resource.ToJson()));
                    }
                    // an outcome-mode entry that is not an OperationOutcome is neither data nor an outcome: dropped
                }
                var next = bundle.Link.FirstOrDefault(l => string.Equals(l.Relation, "next", StringComparison.OrdinalIgnoreCase))?.Url;
                return (new PrefetchItem
                {
                    Key = key,
                    State = data.Count > 0 ? PrefetchState.Provided : PrefetchState.NoData,
                    Resources = data,
                    Data = json,
                    Outcomes = outcomes,
                    WasBundle = true,
                    NextPageUrl = next,
                }, []);
            }
            default:
                return (new PrefetchItem { Key = key, State = PrefetchState.Provided, Resources = [read.Resource!], Data = [read.Json!.Value] }, []);
        }
    }
}
