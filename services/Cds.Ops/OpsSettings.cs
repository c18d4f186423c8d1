using Cds.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Cds.Ops;

/// <summary><c>Ops:*</c> — the dashboard's credential and what it shows.</summary>
public sealed class OpsSettings
{
    public const string Section = "Ops";

    /// <summary>Basic-auth user of the dashboard (with <see cref="DashboardPassword"/>).</summary>
    public string? DashboardUser { get; set; }
    public string? DashboardPassword { get; set; }
    /// <summary>Bearer key accepted by the dashboard and <c>/api/state</c> (<c>Authorization: Bearer …</c>).</summary>
    public string? ApiKey { get; set; }
    /// <summary>Hook rate and latency are computed over this many minutes.</summary>
    public int WindowMinutes { get; set; } = 15;
    /// <summary>The rule outcome panel covers this many days (today included), every tenant.</summary>
    public int RuleDays { get; set; } = 7;
    /// <summary>How often the page polls <c>/api/state</c>.</summary>
    public int RefreshSeconds { get; set; } = 3;
    /// <summary>Live tenant checks (smart-configuration, token, JWKS) are cached this long.</summary>
    public int TenantCheckSeconds { get; set; } = 60;
    /// <summary>RabbitMQ virtual host to watch; default: the one in <c>ConnectionStrings:RabbitMq</c>.</summary>
    public string? VirtualHost { get; set; }

    public bool HasCredential =>
        !string.IsNullOrEmpty(ApiKey) || (!string.IsNullOrEmpty(DashboardUser) && !string.IsNullOrEmpty(DashboardPassword));

    public static OpsSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<OpsSettings>() ?? new OpsSettings();

    /// <summary>The virtual host: <c>Ops:VirtualHost</c>, else the path of <c>ConnectionStrings:RabbitMq</c>.</summary>
    public string ResolveVirtualHost(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(VirtualHost) ? VirtualHost : BusExtensions.VirtualHost(BusExtensions.RabbitMqUri(configuration));
}
