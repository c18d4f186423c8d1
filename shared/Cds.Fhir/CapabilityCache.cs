using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using Tasks = System.Threading.Tasks;

namespace Cds.Fhir;

/// <summary>
/// CapabilityStatement per tenant, fetched once. When Epic does not serve it, support is "unknown" (overrides only) and
/// the fetch is tried again after a minute; a token or configuration failure goes to the caller and is retried next time.
/// </summary>
internal sealed class CapabilityCache
{
    private readonly ConcurrentDictionary<string, (Tasks.Task<CapabilityStatement?> Task, DateTimeOffset FetchedAt)> _cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _clock;
    private readonly ILogger<CapabilityCache> _logger;

    public CapabilityCache(TimeProvider clock, ILogger<CapabilityCache> logger)
    {
        _clock = clock;
        _logger = logger;
    }

    public async Tasks.Task<CapabilityStatement?> GetAsync(EpicFhirClient client, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        var entry = _cache.AddOrUpdate(client.Tenant,
            _ => (FetchAsync(client), now),
            (_, existing) => existing.Task.IsFaulted || existing.Task.IsCanceled
                             || (existing.Task.IsCompletedSuccessfully && existing.Task.Result is null && now - existing.FetchedAt > TimeSpan.FromMinutes(1))
                ? (FetchAsync(client), now)
                : existing);
        return await entry.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    public void Clear(string tenant) => _cache.TryRemove(tenant, out _);

    private async Tasks.Task<CapabilityStatement?> FetchAsync(EpicFhirClient client)
    {
        try
        {
            return await client.GetCapabilityStatementAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (EpicFhirException ex) when (ex is EpicFhirCallException or EpicNotAuthorizedForServiceException)
        {
            _logger.LogWarning("CapabilityStatement of tenant {Tenant} unavailable ({Error}); search parameters are checked against overrides only",
                client.Tenant, ex.GetType().Name);
            return null;
        }
    }
}
