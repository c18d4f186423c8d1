namespace Cds.EpicSandbox;

/// <summary>How the sandbox treats a search's <c>_count</c>.</summary>
public enum CountMode
{
    /// <summary>Page size = min(_count, <see cref="SandboxSettings.MaxPageSize"/>): _count is only a ceiling.</summary>
    Ceiling,

    /// <summary>Epic ignores _count and uses its own page size, which can be larger than asked (docs/epic-behaviours.md item 19).</summary>
    Ignore,
}
