using System.Text.Json;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Requests;

/// <summary>One prefetch key, classified (docs/epic-behaviours.md item 7, CDS Hooks 2.0 §Prefetch).</summary>
public sealed record PrefetchItem
{
    public required string Key { get; init; }
    public required PrefetchState State { get; init; }
    /// <summary>Data resources as JSON in R4 shape (never OperationOutcomes); empty unless <see cref="PrefetchState.Provided"/>.
    /// The rules' facts are mapped from these (<c>PrefetchFacts</c>).</summary>
    public IReadOnlyList<JsonElement> Data { get; init; } = [];

    private IReadOnlyList<Resource>? _resources;

    /// <summary>The data resources as Firely POCOs: kept when Firely read the key, else read from <see cref="Data"/> on first use
    /// (the hook path itself does not need them).</summary>
    public IReadOnlyList<Resource> Resources
    {
        get => _resources ??= [.. Data.Select(FhirResourceReader.ReadClean)];
        init => _resources = value;
    }
    /// <summary>OperationOutcomes that came instead of or beside the data (search.mode = outcome, or the key's value itself).</summary>
    public IReadOnlyList<OperationOutcome> Outcomes { get; init; } = [];
    /// <summary>The key held a Bundle (a search result) rather than a single resource.</summary>
    public bool WasBundle { get; init; }
    /// <summary>The Bundle's <c>link[next]</c> as given (more pages exist); follow it exactly as returned (docs/epic-behaviours.md item 19).</summary>
    public string? NextPageUrl { get; init; }
    /// <summary>An outcome with severity error/fatal came: "no data" because the client failed, not because none exists.</summary>
    public bool HasErrorOutcome => Outcomes.Any(o => o.Issue.Any(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal));
    /// <summary>The key's value was not usable FHIR and the reader was told to treat it as missing (see <see cref="InvalidPrefetchHandling"/>).</summary>
    public bool WasInvalid { get; init; }

    /// <summary>FHIR deviations tolerated or repaired while reading this key (paths and codes, no values).</summary>
    public IReadOnlyList<RequestProblem> ToleratedIssues { get; init; } = [];

    /// <summary>The data resources of type <typeparamref name="T"/>.</summary>
    public IEnumerable<T> ResourcesOf<T>() where T : Resource => Resources.OfType<T>();

    public static PrefetchItem MissingKey(string key) => new() { Key = key, State = PrefetchState.Missing };
}
