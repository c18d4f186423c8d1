using System.Text.Json;
using System.Text.Json.Serialization;
using Cds.Ops.Cli;
using Cds.Ops.Dashboard;
using Cds.Ops.Population;
using Cds.Ops.Rabbit;
using Cds.Ops.Timeline;
using Cds.ServiceDefaults;

namespace Cds.Ops;

/// <summary>The ops host: the CLI for any command, the dashboard for <c>serve</c> or no arguments.</summary>
public static class OpsHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] == "serve")
        {
            var app = BuildDashboard(args.Skip(1).ToArray());
            await app.RunAsync();
            return 0;
        }
        return await OpsCli.RunAsync(args);
    }

    /// <summary>
    /// The dashboard: <c>/</c> (the page), <c>/api/state</c> (JSON it polls), health and metrics. Every path but
    /// health and metrics needs the configured credential (<see cref="DashboardAuthMiddleware"/>).
    /// </summary>
    public static WebApplication BuildDashboard(string[] args, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        var localDefaults = OpsConfiguration.LocalDefaults(builder.Configuration);
        if (localDefaults.Count > 0)
        {
            builder.Configuration.AddInMemoryCollection(localDefaults);
        }

        builder.AddServiceDefaults("cds-ops");
        builder.Services.AddHealthChecks().AddPostgresReadiness();
        builder.Services.AddOpsDashboard(builder.Configuration);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapOpsDashboard();
        return app;
    }

    public static IServiceCollection AddOpsDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<OpsSettings>(configuration.GetSection(OpsSettings.Section));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => OpsEventStore.FromConfiguration(configuration));
        services.AddSingleton(_ => ManagementClient.FromConfiguration(configuration));
        services.AddSingleton<TenantHealthCache>();
        services.AddSingleton<DashboardState>();
        services.AddPopulationSchedule(configuration);
        return services;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static WebApplication MapOpsDashboard(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<OpsSettings>>().Value;
        if (!settings.HasCredential)
        {
            app.Logger.LogWarning("No dashboard credential configured (Ops:DashboardUser/Ops:DashboardPassword or Ops:ApiKey): every dashboard request is refused with 401");
        }
        app.UseMiddleware<DashboardAuthMiddleware>();
        var page = DashboardPage.Html;
        app.MapGet("/", () => Results.Content(page, "text/html; charset=utf-8"));
        app.MapGet("/api/state", async (DashboardState state, HttpContext context, CancellationToken ct) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(await state.SnapshotAsync(ct), Json);
        });
        return app;
    }
}
