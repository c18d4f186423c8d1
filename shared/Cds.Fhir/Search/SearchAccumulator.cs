using Hl7.Fhir.Model;

namespace Cds.Fhir.Search;

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
