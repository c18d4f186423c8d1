namespace Cds.Tenants;

/// <summary>Public (PKCE only) or confidential (PKCE and a client secret) — Epic registers both kinds of app.</summary>
public enum SmartClientType
{
    Public,
    Confidential,
}
