namespace Cds.Tenants;

/// <summary>What may cause a note. A tenant lists the triggers it wants under <c>Tenants:{id}:WriteBack:Triggers</c>.</summary>
public enum WriteBackTrigger
{
    /// <summary>A clinician overrode a card whose indicator is critical: the note documents the override reason(s).</summary>
    OverrideOfCritical,
    /// <summary>A clinician accepted one of a card's suggestions.</summary>
    AcceptedSuggestion,
    /// <summary>A clinician responded (accepted or overrode) to a card whose finding a rule flagged for documentation.</summary>
    FlaggedFinding,
}
