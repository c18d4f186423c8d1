using Hl7.Fhir.Model;

namespace Cds.Fhir.Search;

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
