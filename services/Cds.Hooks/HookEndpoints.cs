using Cds.Contracts;
using Cds.Hooks.HookServices;
using Cds.Hooks.Prefetch;
using Cds.Hooks.Requests;
using Cds.Hooks.Security;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>The CDS Hooks 2.0 surface: discovery, one POST per service, feedback.</summary>
public static class HookEndpoints
{
    public static IEndpointRouteBuilder MapCdsHooks(this IEndpointRouteBuilder app)
    {
        // Discovery is public (the spec's sandbox reads it; Epic never does — its analysts configure services by hand).
        app.MapGet("/cds-services", (CdsServiceCatalog catalog) => Results.Json(new
        {
            services = catalog.All.Select(s => new
            {
                hook = s.Hook,
                id = s.Id,
                title = s.Title,
                description = s.Description,
                // Optional, and JSON members are never empty (CDS Hooks 2.0 "Use of JSON", requirement 3).
                prefetch = s.Prefetch.Count > 0 ? s.Prefetch : null,
                usageRequirements = s.UsageRequirements,
            }),
        }, CdsJson.Options)).RequireCors(HooksRegistration.CorsPolicy);

        // The hook's jti is registered in its group-committed record (HookRecorder); feedback's at authentication.
        app.MapPost("/cds-services/{id}", InvokeAsync).RequireEpicJwt().RequireCors(HooksRegistration.CorsPolicy)
            .RequireRateLimiting(HooksRegistration.TenantRateLimit).ReadsHookBody().WithMetadata(JtiCheckedOnRecord.Instance);
        app.MapPost("/cds-services/{id}/feedback", FeedbackAsync).RequireEpicJwt().RequireCors(HooksRegistration.CorsPolicy)
            .RequireRateLimiting(HooksRegistration.TenantRateLimit).ReadsHookBody();
        return app;
    }

    /// <summary>A route whose body the service reads itself: stalls are 408, oversize 413 (see <see cref="HookTransport"/>).</summary>
    private static TBuilder ReadsHookBody<TBuilder>(this TBuilder route) where TBuilder : IEndpointConventionBuilder =>
        route.WithMetadata(HookBodyRoute.Instance, new Microsoft.AspNetCore.Http.Timeouts.RequestTimeoutAttribute(HookTransport.TimeoutPolicy));

    /// <summary>A hook call: the whole path is <see cref="HookPipeline"/>, read top to bottom.</summary>
    private static Task<IResult> InvokeAsync(string id, HttpContext http, HookPipeline pipeline, CancellationToken ct) =>
        pipeline.InvokeAsync(id, http, ct);

    private static async Task<IResult> FeedbackAsync(string id, HttpContext http, CdsServiceCatalog catalog, FeedbackRecorder recorder,
        IOptions<HookRequestReaderOptions> readerOptions, CancellationToken ct)
    {
        if (catalog.Find(id) is null)
        {
            return OperationOutcomes.Problem(StatusCodes.Status404NotFound, [("id", $"No CDS service '{id}' here; GET /cds-services lists them.")]);
        }
        if (!HookRequestReader.IsJsonContentType(http.Request.ContentType))
        {
            return OperationOutcomes.Problem(StatusCodes.Status415UnsupportedMediaType, [("$", "Send feedback as application/json.")]);
        }
        var (read, stalled) = await HookTransport.ReadBodyAsync(http,
            t => FeedbackReader.ReadAsync(http.Request.Body, id, readerOptions.Value, t), ct);
        if (read is null)
        {
            return stalled!;
        }
        if (!read.Succeeded)
        {
            return read.ToProblemResult();
        }
        try
        {
            await recorder.RecordAsync(http.GetTenant()!, id, read.Items, ct);
        }
        catch (Exception ex) when (Cds.EventStore.StoreFailures.IsUnavailable(ex))
        {
            // Nothing is acknowledged that was not stored: Epic sends the feedback again.
            return OperationOutcomes.Problem(StatusCodes.Status503ServiceUnavailable,
                [("$", "Feedback could not be stored right now; send it again.")]);
        }
        return Results.Ok();
    }
}
