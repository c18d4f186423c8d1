namespace Cds.Fhir.Bulk;

/// <summary>What happened to a download, for progress and the export's record.</summary>
public enum NdjsonDownloadEventKind
{
    /// <summary>The download broke and is resumed with a byte Range from the last complete line.</summary>
    ResumedWithRange,

    /// <summary>The download broke (or resumes a file begun earlier) and the server ignored Range: the lines already imported are skipped.</summary>
    ResumedSkippingLines,
}
