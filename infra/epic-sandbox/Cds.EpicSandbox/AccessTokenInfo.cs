namespace Cds.EpicSandbox;

/// <summary>An access token the sandbox issued (kept server-side: tokens are opaque). <see cref="Patient"/>: a SMART launch's patient, the only one it may read.</summary>
public sealed record AccessTokenInfo(string ClientId, string ClientName, IReadOnlySet<EpicApi> Permissions, string Scope, DateTimeOffset ExpiresAt, bool FromHook,
    string? Patient = null);
