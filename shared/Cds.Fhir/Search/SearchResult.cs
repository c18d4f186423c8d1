using Hl7.Fhir.Model;

namespace Cds.Fhir.Search;

public enum TruncationReason
{
    None,

    /// <summary>Search.MaxPages pages were read and the server still had a next link.</summary>
    MaxPages,

    /// <summary>Search.MaxResources resources were kept; more were returned or announced by a next link.</summary>
    MaxResources,

    /// <summary>The next page would have taken the call past Search.MaxBytes; it was not read.</summary>
    MaxBytes,
}

/// <summary>
/// The result of one search call across its pages: resources of the searched type, OperationOutcome entries kept
/// apart (Epic's "no results" 4101 and warnings such as 59204), other resources (includes), and whether the result
/// was cut by a cap.
/// </summary>
public sealed record SearchResult<T> where T : Resource
{
    public required IReadOnlyList<T> Resources { get; init; }

    /// <summary>OperationOutcome entries (search.mode = outcome, or any OperationOutcome in the Bundle): not data.</summary>
    public required IReadOnlyList<OperationOutcome> Outcomes { get; init; }

    /// <summary>Entries of other resource types (e.g. from _include).</summary>
    public required IReadOnlyList<Resource> Included { get; init; }

    public required bool Truncated { get; init; }

    public required TruncationReason TruncationReason { get; init; }

    /// <summary>Pages read.</summary>
    public required int Pages { get; init; }

    /// <summary>Response bytes read, all pages together.</summary>
    public required long Bytes { get; init; }

    /// <summary><c>Bundle.total</c> of the first page, when the server sent it.</summary>
    public int? Total { get; init; }

    /// <summary>Epic's "no results" answer (only an OperationOutcome entry) or simply no entries.</summary>
    public bool IsEmpty => Resources.Count == 0;

    /// <summary>Codes of the OperationOutcome issues (e.g. "4101"), from details.coding or issue.code.</summary>
    public IReadOnlyList<string> OutcomeCodes => Outcomes.SelectMany(o => o.Issue).Select(OutcomeText.IssueCode).ToList();
}

/// <summary>The limits of one search call (defaults from the tenant's Search section).</summary>
public sealed record SearchLimits(int MaxPages, int MaxResources, long MaxBytes);

internal static class OutcomeText
{
    public static string IssueCode(OperationOutcome.IssueComponent issue) =>
        issue.Details?.Coding?.FirstOrDefault(c => !string.IsNullOrEmpty(c.Code))?.Code ?? issue.Code?.ToString() ?? "unknown";
}

/// <summary>Collects pages of a search under the limits; pure, so paging rules are unit-tested without HTTP.</summary>
internal sealed class SearchAccumulator<T> where T : Resource
{
    private readonly SearchLimits _limits;
    private readonly List<T> _resources = [];
    private readonly List<OperationOutcome> _outcomes = [];
    private readonly List<Resource> _included = [];

    public SearchAccumulator(SearchLimits limits) => _limits = limits;

    public int Pages { get; private set; }
    public int? Total { get; private set; }
    public TruncationReason Reason { get; private set; } = TruncationReason.None;

    /// <summary>Adds a page; returns true when another page should be fetched (it has a next link and no cap was hit).</summary>
    public bool Add(Bundle page)
    {
        Pages++;
        if (Pages == 1)
        {
            Total = page.Total;
        }

        var entries = page.Entry ?? [];
        var matches = new List<T>();
        foreach (var entry in entries)
        {
            var resource = entry?.Resource;
            if (resource is null)
            {
                continue;
            }

            if (resource is OperationOutcome outcome)
            {
                _outcomes.Add(outcome);
            }
            else if (entry!.Search?.Mode == Bundle.SearchEntryMode.Outcome)
            {
                // An outcome-mode entry that is not an OperationOutcome: not data either.
                continue;
            }
            else if (resource is T match && entry.Search?.Mode != Bundle.SearchEntryMode.Include)
            {
                matches.Add(match);
            }
            else
            {
                _included.Add(resource);
            }
        }

        var room = _limits.MaxResources - _resources.Count;
        if (matches.Count > room)
        {
            _resources.AddRange(matches.Take(room));
            Reason = TruncationReason.MaxResources;
            return false;
        }

        _resources.AddRange(matches);
        var hasNext = !string.IsNullOrEmpty(page.NextLink?.OriginalString);
        if (!hasNext)
        {
            return false;
        }

        if (_resources.Count >= _limits.MaxResources)
        {
            Reason = TruncationReason.MaxResources;
            return false;
        }

        if (Pages >= _limits.MaxPages)
        {
            Reason = TruncationReason.MaxPages;
            return false;
        }

        return true;
    }

    public void CutByBytes() => Reason = TruncationReason.MaxBytes;

    public SearchResult<T> Build(long bytes) => new()
    {
        Resources = _resources,
        Outcomes = _outcomes,
        Included = _included,
        Truncated = Reason != TruncationReason.None,
        TruncationReason = Reason,
        Pages = Pages,
        Bytes = bytes,
        Total = Total,
    };
}
