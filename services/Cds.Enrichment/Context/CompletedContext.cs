using Cds.Contracts;
using Cds.EventStore;

namespace Cds.Enrichment.Context;

/// <summary>A completed patient context and where its data came from (for the timeline and the cards).</summary>
public sealed record CompletedContext(PatientContext? Context, PatientDataUsed Data);
