using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// What the rules see for one hook call. <see cref="Context"/> null means nothing is known about the patient (not
/// "nothing wrong"). <see cref="CardSeed"/> is the hookInstance (or another caller-chosen seed): card and suggestion
/// uuids derive from it, the rule id and the subject, so a replay gives the same ids.
/// </summary>
public sealed record RuleInput
{
    /// <summary>A <see cref="HookNames"/> value; only the rules bound to this hook run.</summary>
    public required string Hook { get; init; }

    /// <summary>What is known about the patient; null = unknown.</summary>
    public PatientContext? Context { get; init; }

    public IReadOnlyList<DraftMedication> DraftMedications { get; init; } = [];

    /// <summary>The evaluation time (rules never read a clock).</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Seed of the deterministic card/suggestion uuids, e.g. "{tenant}/{hookInstance}".</summary>
    public required string CardSeed { get; init; }
}
