namespace Cds.Bulk;

/// <summary>A file of a Group's first export listed one resource twice: import it again through staging (<c>allowDirect: false</c>).</summary>
public sealed class DuplicateResourceException(string type)
    : Exception($"a {type} file lists a resource twice: the direct copy was refused by the primary key; import it through staging");
