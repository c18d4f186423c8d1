namespace Cds.Fhir.Auth;

/// <summary>An access token from the tenant's token endpoint. <see cref="ToString"/> never shows the token.</summary>
public sealed class BackendAccessToken
{
    internal BackendAccessToken(string value, DateTimeOffset issuedAt, DateTimeOffset expiresAt, DateTimeOffset refreshAt, string? scope)
    {
        Value = value;
        IssuedAt = issuedAt;
        ExpiresAt = expiresAt;
        RefreshAt = refreshAt;
        Scope = scope;
    }

    /// <summary>The bearer token. Never log it.</summary>
    public string Value { get; }

    /// <summary>When the token request was sent (the token's life is counted from here, to stay on the safe side).</summary>
    public DateTimeOffset IssuedAt { get; }

    public DateTimeOffset ExpiresAt { get; }

    /// <summary>From this instant on the token is not handed out any more; the next caller refreshes it.</summary>
    public DateTimeOffset RefreshAt { get; }

    /// <summary>Scopes granted (may be fewer than requested).</summary>
    public string? Scope { get; }

    public override string ToString() => $"BackendAccessToken(expires {ExpiresAt:O}, scope '{Scope}')";
}
