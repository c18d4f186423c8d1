namespace Cds.Fhir.Bulk;

/// <summary>One wait of the export, as reported to the observer.</summary>
public sealed record BulkWait(BulkWaitReason Reason, TimeSpan Delay, string? Progress, int? StatusCode);
