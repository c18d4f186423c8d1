namespace Cds.Contracts;

/// <summary>
/// A clinician overrode a card with a reason, and the tenant snoozes that rule after an override
/// (<c>Tenants:{id}:Alerts:SnoozeAfterOverride:{ruleId}</c>): the same rule's card on the same fact for this patient is
/// held back until the period has passed. Stored per (patient, rule, fact); read with the patient's other state in the
/// hook's one batched read, and carried to enrichment with the evaluation request. Codes and hashes only, no names.
/// </summary>
public sealed record OverrideSnooze
{
    /// <summary><c>{patientId}|{ruleId}|{fact}</c>: a later override of the same fact replaces the earlier one.</summary>
    public required string Id { get; init; }
    public required string PatientId { get; init; }
    public required string RuleId { get; init; }
    /// <summary>The hash of the finding's evidence (drug codes, lab value and date): a new value or dose is a new fact.</summary>
    public required string Fact { get; init; }
    /// <summary>When the clinician overrode the card (Epic's <c>outcomeTimestamp</c>, never later than its arrival).</summary>
    public required DateTimeOffset OverriddenAt { get; init; }
    /// <summary>The overridden card.</summary>
    public required string CardUuid { get; init; }
}
