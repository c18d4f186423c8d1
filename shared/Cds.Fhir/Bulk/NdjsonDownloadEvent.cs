namespace Cds.Fhir.Bulk;

public sealed record NdjsonDownloadEvent(NdjsonDownloadEventKind Kind, NdjsonPosition At, int Attempt);
