namespace Cds.Hooks.HookServices;

/// <summary>The services this host offers, by id. One file per service declares it next to its prefetch.</summary>
public sealed class CdsServiceCatalog(IEnumerable<CdsService> services)
{
    private readonly Dictionary<string, CdsService> _byId = services.ToDictionary(s => s.Id, StringComparer.Ordinal);

    public IReadOnlyCollection<CdsService> All => _byId.Values;

    public CdsService? Find(string id) => _byId.GetValueOrDefault(id);
}
