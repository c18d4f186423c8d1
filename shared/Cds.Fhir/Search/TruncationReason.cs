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
