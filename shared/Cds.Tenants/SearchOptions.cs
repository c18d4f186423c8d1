namespace Cds.Tenants;

public sealed class SearchOptions
{
    /// <summary>Pages fetched per search call (the first included).</summary>
    public int MaxPages { get; set; } = 10;

    /// <summary>Resources of the searched type kept per search call.</summary>
    public int MaxResources { get; set; } = 1000;

    /// <summary>Response bytes read per search call, all pages together. A page that would go past it is not read.</summary>
    public long MaxBytes { get; set; } = 5_000_000;

    /// <summary><c>_count</c> sent with each search (a ceiling for Epic, which picks its own page size). 0 = do not send.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>Read supported search parameters from the tenant's CapabilityStatement (cached) and refuse others before the call.</summary>
    public bool UseCapabilityStatement { get; set; } = true;

    /// <summary>Per-resource search parameters known to work at this site, added to what the CapabilityStatement says.</summary>
    public Dictionary<string, List<string>> SupportedParameters { get; set; } = new(StringComparer.Ordinal);
}
