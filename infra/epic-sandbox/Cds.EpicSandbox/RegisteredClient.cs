using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>A backend (or CDS Hooks) client as Epic's app registration knows it.</summary>
public sealed class RegisteredClient
{
    public required string Name { get; init; }

    /// <summary>Client id valid in a NonProduction sandbox.</summary>
    public required string NonProdClientId { get; set; }

    /// <summary>Client id valid in a Production sandbox.</summary>
    public required string ProdClientId { get; set; }

    /// <summary>Public keys registered directly (JWK objects with kid).</summary>
    public List<JsonObject> Jwks { get; } = [];

    /// <summary>Registered JWK Set URLs: a header `jku` must be one of these; they are also fetched when a kid is not in <see cref="Jwks"/>.</summary>
    public List<Uri> JwksUrls { get; } = [];

    /// <summary>Registered Incoming APIs: the ceiling of every granted scope.</summary>
    public HashSet<EpicApi> Apis { get; } = [];

    /// <summary>SMART app (EHR or standalone launch): the redirect URIs registered, matched exactly at authorize.</summary>
    public List<string> RedirectUris { get; } = [];

    /// <summary>SMART app: the client secret of a confidential app; null for a public app (PKCE only).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Overrides <see cref="SandboxSettings.AccessTokenLifetime"/> for this client.</summary>
    public TimeSpan? AccessTokenLifetime { get; set; }

    public string ClientIdFor(SandboxEnvironment environment) =>
        environment == SandboxEnvironment.Production ? ProdClientId : NonProdClientId;
}
