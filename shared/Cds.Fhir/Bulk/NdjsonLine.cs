namespace Cds.Fhir.Bulk;

/// <summary>One NDJSON line (one resource) and the position just after it.</summary>
public sealed record NdjsonLine(byte[] Bytes, NdjsonPosition After);
