using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.Bulk;

namespace Cds.Hooks;

/// <summary>
/// What the store knows about the hook's patient (<see cref="PatientStateReader"/>): a late result of an earlier hook,
/// the context enrichment precomputed, the population run's gaps; each null when absent, not read or the store is down.
/// <see cref="Snoozes"/>: the overrides that may snooze a card (none known when the store is down: a card is then shown,
/// not lost).
/// </summary>
public sealed record PatientState(LateResult? Late, WarmPatientContext? Warm, PatientPopulationGaps? Population, IReadOnlyList<OverrideSnooze> Snoozes);
