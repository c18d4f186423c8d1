using Microsoft.Extensions.Options;

namespace Cds.Hooks.Security;

/// <summary>Says at start-up how hook calls are authenticated; shouts when authentication is off.</summary>
internal sealed partial class HookAuthStartupReport : IHostedService
{
    private readonly IOptionsMonitor<EpicJwtOptions> _options;
    private readonly ILogger<HookAuthStartupReport> _logger;
    private readonly JwksCache _jwks;
    private readonly IJtiReplayStore _replay;
    private readonly HookAuthTenantRegistry _tenants;

    public HookAuthStartupReport(IOptionsMonitor<EpicJwtOptions> options, ILogger<HookAuthStartupReport> logger, JwksCache jwks,
        IJtiReplayStore replay, HookAuthTenantRegistry tenants)
    {
        _options = options;
        _tenants = tenants;
        _logger = logger;
        _jwks = jwks;
        _replay = replay;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = _options.Get(EpicJwtDefaults.AuthenticationScheme);
        if (o.Enabled)
        {
            LogEnabled(_logger, _tenants.Tenants.Count, string.Join(", ", _tenants.Tenants.Select(t => t.Id)));
            // The jti table is created now, in the background, so a first call only registers its jti within the
            // replay check's bound (a store that is down here is retried by the first call).
            _ = Task.Run(async () =>
            {
                try
                {
                    await _replay.PrepareAsync(CancellationToken.None);
                }
                catch (Exception e)
                {
                    _logger.LogWarning("jti replay store not prepared at start-up ({Error}); the first hook tries again", e.GetType().Name);
                }
            }, CancellationToken.None);
            // Download the allowlisted JWKS now, in the background, so the first hooks after a deploy do not wait
            // for it inside their deadline. A failure here is only logged; the first hook tries again.
            foreach (var (jku, refresh) in _tenants.Tenants.Where(_ => o.PrefetchJwks)
                .SelectMany(t => t.JkuAllowlist.Select(j => (j, t.JwksRefreshInterval))).DistinctBy(x => x.Item1, StringComparer.Ordinal))
            {
                _ = Task.Run(() => _jwks.GetKeysAsync(jku, kid: null, refresh), CancellationToken.None);
            }
        }
        else
        {
            LogDisabled(_logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4120, Level = LogLevel.Information, Message = "Epic hook JWT authentication enabled for {Count} tenant(s): {Tenants}")]
    private static partial void LogEnabled(ILogger logger, int count, string tenants);

    [LoggerMessage(EventId = 4121, Level = LogLevel.Critical, Message = "!!! HookAuth:Enabled=false: Epic hook JWTs are NOT verified. Any caller can invoke the CDS services. Local development ONLY — never deploy this setting. !!!")]
    private static partial void LogDisabled(ILogger logger);
}
