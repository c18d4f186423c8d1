namespace Cds.EventStore;

/// <summary>
/// The patient data behind an evaluation: <see cref="Source"/> is a <see cref="PatientDataSources"/> value,
/// <see cref="AgeSeconds"/> its age when the rules read it, <see cref="Stale"/> true when it was older than the hook's
/// bound (order hooks: <c>Enrichment:OrderTimeMaxAge</c>) and Epic could not be read again; <see cref="Note"/> says why.
/// </summary>
public sealed record PatientDataUsed(string Source, DateTimeOffset? ReadAt, double? AgeSeconds, bool Stale, string? Note = null);
