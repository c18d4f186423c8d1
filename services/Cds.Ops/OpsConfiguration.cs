using Cds.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Cds.Ops;

/// <summary>
/// The configuration the CLI reads: appsettings.json beside the assembly, the tenants file named by
/// <c>CDS_TENANTS_FILE</c>, environment variables, then an optional
/// JSON file (<c>--config</c>, e.g. infra/local/tenants.sandbox.json). Where <c>ConnectionStrings:*</c> is not set,
/// the <c>CDS_POSTGRES</c>/<c>CDS_RABBITMQ</c>/<c>CDS_RABBITMQ_MANAGEMENT</c> exports of infra/local/up.sh are used.
/// </summary>
public static class OpsConfiguration
{
    public static IConfiguration Build(string? file = null, IConfiguration? overrides = null)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
        // The shared tenants file of the deployment (as the services read it, see AddServiceDefaults).
        var tenantsFile = overrides?[ServiceDefaultsExtensions.TenantsFileKey] ?? Environment.GetEnvironmentVariable(ServiceDefaultsExtensions.TenantsFileKey);
        if (!string.IsNullOrWhiteSpace(tenantsFile))
        {
            builder.AddJsonFile(Path.GetFullPath(tenantsFile), optional: false);
        }
        builder.AddEnvironmentVariables();
        if (!string.IsNullOrWhiteSpace(file))
        {
            var path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"configuration file '{file}' does not exist");
            }
            builder.AddJsonFile(path, optional: false);
        }
        if (overrides is not null)
        {
            builder.AddConfiguration(overrides);
        }
        return WithLocalDefaults(builder.Build());
    }

    /// <summary>Fills unset connection strings from the CDS_* variables that infra/local/up.sh exports.</summary>
    public static IConfiguration WithLocalDefaults(IConfiguration configuration)
    {
        var defaults = LocalDefaults(configuration);
        return defaults.Count == 0
            ? configuration
            : new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(defaults).Build();
    }

    /// <summary>The <c>ConnectionStrings:*</c> values that are unset in <paramref name="configuration"/> but exported as CDS_*.</summary>
    public static Dictionary<string, string?> LocalDefaults(IConfiguration configuration)
    {
        var defaults = new Dictionary<string, string?>();
        void Fill(string name, string variable)
        {
            if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(name))
                && Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                defaults[$"ConnectionStrings:{name}"] = value;
            }
        }
        Fill("Postgres", "CDS_POSTGRES");
        Fill("RabbitMq", "CDS_RABBITMQ");
        Fill("RabbitMqManagement", "CDS_RABBITMQ_MANAGEMENT");
        return defaults;
    }
}
