namespace Cds.Fhir.Bulk;

/// <summary>One file of an export manifest.</summary>
public sealed record BulkOutputFile(string Type, Uri Url, long? Count);
