namespace Cds.Fhir.Bulk;

/// <summary>How far into a file the import has got: complete lines and the bytes they span (offset of the next line).</summary>
public readonly record struct NdjsonPosition(long Lines, long Bytes)
{
    public static NdjsonPosition Start => default;
}
