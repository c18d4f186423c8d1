namespace Cds.Hooks.HookServices;

/// <summary>
/// A CDS service as discovery lists it. Prefetch templates use CDS Hooks 2.0 tokens only. Epic never reads discovery
/// (its analysts configure prefetch by hand, docs/epic-behaviours.md item 7), so every key is optional at run time.
/// </summary>
public sealed record CdsService(
    string Id,
    string Hook,
    string Title,
    string Description,
    IReadOnlyDictionary<string, string> Prefetch,
    string UsageRequirements);
