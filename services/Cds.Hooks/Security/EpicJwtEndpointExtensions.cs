namespace Cds.Hooks.Security;

public static class EpicJwtEndpointExtensions
{
    /// <summary>Requires an Epic hook JWT (policy "EpicJwt") on the endpoint(s): <c>app.MapPost("/cds-services/{id}", ...).RequireEpicJwt()</c>.</summary>
    public static TBuilder RequireEpicJwt<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(EpicJwtDefaults.PolicyName);
}
