namespace Cds.Fhir.Bulk;

/// <summary>Where a kick-off landed: the status URL to poll, and whether <c>_since</c> was sent.</summary>
public sealed record BulkKickOff(Uri StatusUrl, string Request, DateTimeOffset? Since);
