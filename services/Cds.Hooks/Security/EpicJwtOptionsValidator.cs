using Cds.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Hooks.Security;

/// <summary>
/// Start-up validation of hook authentication, in the tenant validation (one list of problems): the EpicJwt options
/// (<c>HookAuth</c>, <c>ConnectionStrings:Postgres</c>) and every tenant's <c>HookAuth</c> part, with messages that say what to set.
/// </summary>
internal sealed class EpicJwtOptionsValidator : ITenantSettingsCheck
{
    private readonly IOptionsMonitor<EpicJwtOptions> _options;
    private readonly IHostEnvironment _environment;

    public EpicJwtOptionsValidator(IOptionsMonitor<EpicJwtOptions> options, IHostEnvironment environment)
    {
        _options = options;
        _environment = environment;
    }

    public IEnumerable<string> Problems(ConfiguredTenants tenants) =>
        Check(_options.Get(EpicJwtDefaults.AuthenticationScheme), tenants, _environment.ContentRootPath, out _);

    internal static List<string> Check(EpicJwtOptions options, ConfiguredTenants tenants, string contentRoot, out HookAuthTenantRegistry registry)
    {
        var errors = new List<string>();
        registry = HookAuthTenantRegistry.Build(options.Enabled, tenants, contentRoot, errors);
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

    internal static HookAuthTenantRegistry BuildRegistry(EpicJwtOptions options, ConfiguredTenants tenants, string contentRoot)
    {
        var errors = Check(options, tenants, contentRoot, out var registry);
        return errors.Count == 0 ? registry : throw new OptionsValidationException(EpicJwtDefaults.AuthenticationScheme, typeof(EpicJwtOptions), errors);
    }
}
