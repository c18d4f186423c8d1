namespace Cds.EpicSandbox;

/// <summary>The scopes of SMART App Launch as the sandbox reads them: the context scopes and the resource scopes.</summary>
internal static class SmartScopes
{
    /// <summary>The scopes that ask for context or identity, not for a resource.</summary>
    public static readonly string[] Context = ["launch", "launch/patient", "launch/encounter", "openid", "fhirUser", "profile", "offline_access", "online_access"];

    /// <summary>A <c>patient/</c> or <c>user/</c> resource scope, v1 (<c>.read</c>) or v2 (<c>.rs</c>); null when it is not one.</summary>
    public static ResourceScopeParts? Resource(string scope)
    {
        var slash = scope.IndexOf('/');
        var dot = scope.IndexOf('.');
        if (slash <= 0 || dot <= slash + 1 || scope[..slash] is not ("patient" or "user"))
        {
            return null;
        }

        var permission = scope[(dot + 1)..];
        var q = permission.IndexOf('?');
        permission = q >= 0 ? permission[..q] : permission;
        var parts = new ResourceScopeParts(scope[(slash + 1)..dot], permission);
        return Scopes.InteractionsOf(permission, parts.Type == "*" ? "Patient" : parts.Type).Count == 0 ? null : parts;
    }

    public sealed record ResourceScopeParts(string Type, string Permission)
    {
        public IEnumerable<EpicApi> Types(IReadOnlySet<EpicApi> registered) =>
            registered.Where(a => (Type == "*" || a.ResourceType == Type) && Scopes.InteractionsOf(Permission, a.ResourceType).Contains(a.Interaction));
    }
}
