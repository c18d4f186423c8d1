using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cds.EventStore;

/// <summary>
/// Touches the document and event storage once at start-up so the first hook does not pay Marten's first-use
/// cost (connection pool, generated storage) against its deadline. Failure is logged, not fatal: readiness says it.
/// </summary>
internal sealed class StoreWarmup(IDocumentStore store, ILogger<StoreWarmup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var session = store.QuerySession("warmup");
            await session.LoadAsync<HookTimeline>("warmup", cancellationToken);
            await session.LoadAsync<IssuedCard>("warmup", cancellationToken);
            await session.Events.FetchStreamStateAsync("warmup", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning("Event store warm-up failed ({Error}); the first hook may be slow", ex.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
