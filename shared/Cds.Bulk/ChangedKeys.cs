namespace Cds.Bulk;

/// <summary>Keys ("Type/id") of resources one file added or changed, a page at a time.</summary>
public sealed record ChangedKeys(IReadOnlyList<string> Added, IReadOnlyList<string> Changed);
