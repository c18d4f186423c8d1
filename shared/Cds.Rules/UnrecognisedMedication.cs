namespace Cds.Rules;

/// <summary>A medication no rule vocabulary recognised: where it was (draft or active) and its codings, never its text.</summary>
/// <param name="Source">"draft" (being ordered) or "active" (on the medication list).</param>
/// <param name="Codes">"system|code" of each coding ("rxnorm|860975", an Epic OID, …), or "text-only".</param>
public sealed record UnrecognisedMedication(string Source, IReadOnlyList<string> Codes)
{
    public override string ToString() => $"{Source} {string.Join(",", Codes)}";
}
