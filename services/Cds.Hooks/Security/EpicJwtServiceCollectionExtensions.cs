using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cds.Hooks.Security;

public static class EpicJwtServiceCollectionExtensions
{
    /// <summary>
    /// Registers the "EpicJwt" authentication scheme (default scheme unless one is already set) and the "EpicJwt"
    /// authorization policy, bound from <c>HookAuth</c>, <c>Tenants:{id}:HookAuth</c> and <c>ConnectionStrings:Postgres</c>,
    /// validated at start-up. Protect hook endpoints with <c>.RequireAuthorization(EpicJwtDefaults.PolicyName)</c> and read
    /// the caller's tenant with <c>HttpContext.GetTenant()</c>.
    /// </summary>
    public static IServiceCollection AddEpicJwtAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        const string scheme = EpicJwtDefaults.AuthenticationScheme;

        services.AddAuthentication(o => o.DefaultScheme ??= scheme)
            .AddScheme<EpicJwtOptions, EpicJwtAuthenticationHandler>(scheme, o => EpicJwtOptionsBinder.Bind(o, configuration));
        services.AddOptions<EpicJwtOptions>(scheme).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EpicJwtOptions>, EpicJwtOptionsValidator>());

        services.AddAuthorization(o => o.AddPolicy(EpicJwtDefaults.PolicyName, p => p
            .AddAuthenticationSchemes(scheme)
            .RequireAuthenticatedUser()
            .RequireClaim(EpicJwtDefaults.TenantClaim)));

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EpicJwtMetrics>();
        services.TryAddSingleton(sp => EpicJwtOptionsValidator.BuildRegistry(
            sp.GetRequiredService<IOptionsMonitor<EpicJwtOptions>>().Get(scheme),
            sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.TryAddSingleton<JwksCache>();
        services.TryAddSingleton<IJtiReplayStore, PostgresJtiReplayStore>();
        services.TryAddSingleton<EpicTokenValidator>();
        services.TryAddSingleton<IJtiLocalReplayCheck>(sp => sp.GetRequiredService<EpicTokenValidator>());
        services.AddHostedService<HookAuthStartupReport>();

        services.AddHttpClient(EpicJwtDefaults.JwksHttpClientName, (sp, client) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<EpicJwtOptions>>().Get(scheme);
                client.Timeout = o.JwksFetchTimeout;
                client.MaxResponseContentBufferSize = o.JwksMaxBytes;
            })
            // An allow-listed URL must not be able to send us elsewhere: no redirects, no cookies.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
            });

        return services;
    }
}

public static class EpicJwtEndpointExtensions
{
    /// <summary>Requires an Epic hook JWT (policy "EpicJwt") on the endpoint(s): <c>app.MapPost("/cds-services/{id}", ...).RequireEpicJwt()</c>.</summary>
    public static TBuilder RequireEpicJwt<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(EpicJwtDefaults.PolicyName);
}

/// <summary>Reads the configuration into <see cref="EpicJwtOptions"/>.</summary>
internal static class EpicJwtOptionsBinder
{
    public static void Bind(EpicJwtOptions o, IConfiguration configuration)
    {
        var hookAuth = configuration.GetSection("HookAuth");
        o.Enabled = hookAuth.GetValue("Enabled", true);
        o.ReplaySchema = hookAuth["ReplaySchema"] is { Length: > 0 } schema ? schema : o.ReplaySchema;
        o.JwksFetchTimeout = hookAuth.GetValue("JwksFetchTimeout", o.JwksFetchTimeout);
        o.JwksMaxBytes = hookAuth.GetValue("JwksMaxBytes", o.JwksMaxBytes);
        o.JwksMaxAge = hookAuth.GetValue("JwksMaxAge", o.JwksMaxAge);
        o.JwksFailureBackoff = hookAuth.GetValue("JwksFailureBackoff", o.JwksFailureBackoff);
        o.PrefetchJwks = hookAuth.GetValue("PrefetchJwks", o.PrefetchJwks);
        o.ReplayConnectionString = configuration.GetConnectionString("Postgres");

        o.Tenants.Clear();
        foreach (var tenant in configuration.GetSection("Tenants").GetChildren())
        {
            var section = tenant.GetSection("HookAuth");
            if (!section.Exists())
            {
                continue;
            }

            var t = new TenantHookAuthOptions();
            section.Bind(t, b => b.ErrorOnUnknownConfiguration = true);
            var inlineJwks = section.GetSection("StaticJwks");
            if (inlineJwks.Value is null && inlineJwks.GetChildren().Any())
            {
                t.StaticJwks = ToJson(inlineJwks).ToJsonString();
            }

            o.Tenants[tenant.Key] = t;
        }
    }

    /// <summary>An inline JSON object in configuration comes back as a tree of sections: rebuild it (numeric keys = array).</summary>
    private static System.Text.Json.Nodes.JsonNode ToJson(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return System.Text.Json.Nodes.JsonValue.Create(section.Value ?? "")!;
        }

        if (children.All(c => int.TryParse(c.Key, out _)))
        {
            var array = new System.Text.Json.Nodes.JsonArray();
            foreach (var c in children.OrderBy(c => int.Parse(c.Key, System.Globalization.CultureInfo.InvariantCulture)))
            {
                array.Add(ToJson(c));
            }

            return array;
        }

        var obj = new System.Text.Json.Nodes.JsonObject();
        foreach (var c in children)
        {
            obj[c.Key] = ToJson(c);
        }

        return obj;
    }
}

/// <summary>Start-up validation of the EpicJwt options, with messages that say what to set.</summary>
internal sealed class EpicJwtOptionsValidator : IValidateOptions<EpicJwtOptions>
{
    private readonly IHostEnvironment _environment;

    public EpicJwtOptionsValidator(IHostEnvironment environment) => _environment = environment;

    public ValidateOptionsResult Validate(string? name, EpicJwtOptions options)
    {
        if (name != EpicJwtDefaults.AuthenticationScheme)
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = Check(options, _environment.ContentRootPath, out _);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static List<string> Check(EpicJwtOptions options, string contentRoot, out HookAuthTenantRegistry registry)
    {
        var errors = new List<string>();
        registry = HookAuthTenantRegistry.Build(options, contentRoot, errors);
        if (!options.Enabled)
        {
            return errors.Where(e => !e.StartsWith("HookAuth is enabled", StringComparison.Ordinal)).ToList();
        }

        if (string.IsNullOrWhiteSpace(options.ReplayConnectionString))
        {
            errors.Add("ConnectionStrings:Postgres is not set: the hook JWT jti replay store is shared by all instances through PostgreSQL (e.g. Host=127.0.0.1;Port=5432;Username=cds;Password=cds;Database=cds).");
        }

        if (!PostgresJtiReplayStore.IsValidSchemaName(options.ReplaySchema))
        {
            errors.Add("HookAuth:ReplaySchema must be a lower-case PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63 characters).");
        }

        if (options.JwksFetchTimeout < TimeSpan.FromMilliseconds(100) || options.JwksFetchTimeout > TimeSpan.FromSeconds(60))
        {
            errors.Add("HookAuth:JwksFetchTimeout must be between 00:00:00.1 and 00:01:00.");
        }

        if (options.JwksMaxBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add("HookAuth:JwksMaxBytes must be between 1024 and 1048576.");
        }

        if (options.JwksMaxAge < TimeSpan.FromSeconds(1))
        {
            errors.Add("HookAuth:JwksMaxAge must be at least 00:00:01.");
        }

        if (options.JwksFailureBackoff < TimeSpan.Zero)
        {
            errors.Add("HookAuth:JwksFailureBackoff must not be negative.");
        }

        return errors;
    }

    internal static HookAuthTenantRegistry BuildRegistry(EpicJwtOptions options, string contentRoot)
    {
        var errors = Check(options, contentRoot, out var registry);
        return errors.Count == 0 ? registry : throw new OptionsValidationException(EpicJwtDefaults.AuthenticationScheme, typeof(EpicJwtOptions), errors);
    }
}

/// <summary>Says at start-up how hook calls are authenticated; shouts when authentication is off.</summary>
internal sealed partial class HookAuthStartupReport : IHostedService
{
    private readonly IOptionsMonitor<EpicJwtOptions> _options;
    private readonly ILogger<HookAuthStartupReport> _logger;
    private readonly JwksCache _jwks;
    private readonly IJtiReplayStore _replay;

    public HookAuthStartupReport(IOptionsMonitor<EpicJwtOptions> options, ILogger<HookAuthStartupReport> logger, JwksCache jwks,
        IJtiReplayStore replay)
    {
        _options = options;
        _logger = logger;
        _jwks = jwks;
        _replay = replay;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = _options.Get(EpicJwtDefaults.AuthenticationScheme);
        if (o.Enabled)
        {
            LogEnabled(_logger, o.Tenants.Count, string.Join(", ", o.Tenants.Keys));
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
            foreach (var (jku, refresh) in o.Tenants.Values.Where(_ => o.PrefetchJwks)
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
