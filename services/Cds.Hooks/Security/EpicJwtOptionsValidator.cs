using Microsoft.Extensions.Options;

namespace Cds.Hooks.Security;

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
