namespace Cds.EpicSandbox;

/// <summary>What an authorization code stands for until the app redeems it at the token endpoint.</summary>
internal sealed record AuthorizationGrant(RegisteredClient Client, string ClientId, string RedirectUri, string Challenge, IReadOnlyList<string> Scopes, LaunchContext Context, DateTimeOffset Expires);
