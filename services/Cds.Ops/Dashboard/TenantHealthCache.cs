using Cds.Ops.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Ops.Dashboard;

/// <summary>
/// Tenant health for the dashboard: the live checks of <see cref="TenantChecker"/>, refreshed in the background at
/// most every <c>Ops:TenantCheckSeconds</c>; a page never waits long for a slow Epic.
/// </summary>
public sealed class TenantHealthCache(IOptions<OpsSettings> options, IConfiguration configuration, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private Task<IReadOnlyList<TenantHealth>>? _refresh;
    private IReadOnlyList<TenantHealth>? _last;
    private DateTimeOffset _lastAt;

    public async Task<IReadOnlyList<TenantHealth>> GetAsync(CancellationToken ct)
    {
        Task<IReadOnlyList<TenantHealth>> refresh;
        lock (_gate)
        {
            var fresh = _last is not null && clock.GetUtcNow() - _lastAt < TimeSpan.FromSeconds(Math.Max(5, options.Value.TenantCheckSeconds));
            if (fresh)
            {
                return _last!;
            }
            _refresh ??= RefreshAsync();
            refresh = _refresh;
        }
        // The first time, wait a little for an answer; afterwards serve the previous result while refreshing.
        var waited = await Task.WhenAny(refresh, Task.Delay(_last is null ? TimeSpan.FromSeconds(5) : TimeSpan.Zero, ct));
        if (waited == refresh)
        {
            return await refresh;
        }
        return _last ?? new TenantChecker(configuration).TenantIds
            .Select(id => new TenantHealth(id, false, null, [new TenantCheckLine(id, "live checks", CheckStatus.Skip, "running…")])).ToList();
    }

    private async Task<IReadOnlyList<TenantHealth>> RefreshAsync()
    {
        try
        {
            var checker = new TenantChecker(configuration, TimeSpan.FromSeconds(15));
            var at = clock.GetUtcNow();
            var lines = await checker.CheckAllAsync(live: true);
            var result = lines.GroupBy(l => l.Tenant)
                .Select(g => new TenantHealth(g.Key, g.All(l => l.Status != CheckStatus.Fail), at, g.ToList())).ToList();
            lock (_gate)
            {
                _last = result;
                _lastAt = at;
            }
            return result;
        }
        finally
        {
            lock (_gate)
            {
                _refresh = null;
            }
        }
    }
}
