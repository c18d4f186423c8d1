namespace Cds.Smart;

/// <summary>What the token endpoint granted: kept in the server-side session only.</summary>
public sealed record TokenGrant(string AccessToken, DateTimeOffset ExpiresAt, string? RefreshToken, string Scope, string? Patient, string? Encounter,
    string? FhirUser, string? AppContext);
