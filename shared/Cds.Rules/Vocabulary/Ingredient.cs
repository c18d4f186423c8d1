using Cds.Contracts;

namespace Cds.Rules;

/// <param name="RxNorm">The RxNorm ingredient (IN) code; null when only the names are known.</param>
/// <param name="Names">
/// Names the ingredient goes by in RxNorm names and medication text (whole words, case-insensitive), e.g. "metformin"
/// in "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet".
/// </param>
public sealed record Ingredient(
    string Id,
    string Display,
    string? RxNorm,
    IReadOnlyList<string> Classes,
    IReadOnlyList<CodePattern> Products,
    IReadOnlyList<CodePattern> AllergyCodes,
    IReadOnlyList<string>? Names = null)
{
    /// <summary>Name-free evidence: "rxnorm|6809", or "ingredient:piperacillin" for an ingredient known by name only.</summary>
    public string Evidence => RxNorm is null ? $"ingredient:{Id}" : Terminology.Evidence(CodeSystems.RxNorm, RxNorm);
}
