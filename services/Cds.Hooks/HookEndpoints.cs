using System.Diagnostics;
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

        app.MapPost("/cds-services/{id}", InvokeAsync).RequireEpicJwt().RequireCors(HooksRegistration.CorsPolicy)
            .RequireRateLimiting(HooksRegistration.TenantRateLimit).ReadsHookBody();
        app.MapPost("/cds-services/{id}/feedback", FeedbackAsync).RequireEpicJwt().RequireCors(HooksRegistration.CorsPolicy)
            .RequireRateLimiting(HooksRegistration.TenantRateLimit).ReadsHookBody();
        return app;
    }

    /// <summary>A route whose body the service reads itself: stalls are 408, oversize 413 (see <see cref="HookTransport"/>).</summary>
    private static TBuilder ReadsHookBody<TBuilder>(this TBuilder route) where TBuilder : IEndpointConventionBuilder =>
        route.WithMetadata(HookBodyRoute.Instance, new Microsoft.AspNetCore.Http.Timeouts.RequestTimeoutAttribute(HookTransport.TimeoutPolicy));

    private static async Task<IResult> InvokeAsync(string id, HttpContext http, CdsServiceCatalog catalog, HookPipeline pipeline,
        PrefetchFetcher fetcher, HookRequestMetrics requestMetrics, HookMetrics metrics, IOptions<HookOptions> options,
        IOptions<HookRequestReaderOptions> readerOptions, TimeProvider time, ILogger<HookPipeline> log, IHostApplicationLifetime lifetime,
        CancellationToken ct)
    {
        var started = http.ArrivedAt();
        var service = catalog.Find(id);
        if (service is null)
        {
            return OperationOutcomes.Problem(StatusCodes.Status404NotFound, [("id", $"No CDS service '{id}' here; GET /cds-services lists them.")]);
        }
        if (!HookRequestReader.IsJsonContentType(http.Request.ContentType))
        {
            return OperationOutcomes.Problem(StatusCodes.Status415UnsupportedMediaType, [("$", "Send the hook request as application/json.")]);
        }

        var tenant = http.GetTenant()!;
        var (read, stalled) = await HookTransport.ReadBodyAsync(http,
            t => HookRequestReader.ReadAsync(http.Request.Body, service.Hook, readerOptions.Value, t), ct);
        if (read is null)
        {
            return stalled!;
        }
        requestMetrics.Record(service.Hook, read, service.Id);
        if (read.Stripped.IsStripped)
        {
            metrics.Stripped(tenant);
            log.LogWarning("Tenant {Tenant}: stripped request on {Service} ({Reason}): the URL Epic calls does not match the registered endpoint",
                tenant, service.Id, read.Stripped.Reason);
        }
        if (!read.Succeeded)
        {
            if (read.IsDraftOrdersConfigurationFault)
            {
                log.LogWarning("Tenant {Tenant}: {Service} called without draftOrders: the Epic client lacks the unsigned-order scopes", tenant, service.Id);
            }
            return read.ToProblemResult();
        }
        var request = read.Request!;
        var deadline = options.Value.DeadlineFor(service.Id);

        // Fetch what prefetch lacks with the hook's own token, within half of what is left of the deadline.
        var budget = (deadline - Stopwatch.GetElapsedTime(started)) / 2;
        var fetched = await fetcher.FetchMissingAsync(tenant, service, request, budget, ct);
        var required = options.Value.RequiredPrefetchFor(service.Id);
        var unobtainable = required.Where(k => request.Prefetch.StateOf(k) == PrefetchState.Missing && fetched.Fetched.StateOf(k) == PrefetchState.Missing).ToList();
        if (unobtainable.Count > 0)
        {
            return OperationOutcomes.Problem(StatusCodes.Status412PreconditionFailed, unobtainable.Select(k => (
                $"prefetch.{k}",
                $"Prefetch '{k}' ({service.Prefetch.GetValueOrDefault(k)}) is required and was neither sent nor obtainable from fhirServer.")));
        }

        var (context, resolved) = PrefetchContext.Build(request.ContextData.PatientId, request.Prefetch, fetched.Fetched, fetched.Failed,
            service.Prefetch, time.GetUtcNow());
        var gate = new AnswerGate();
        // The pipeline runs on the application's clock, not the request's: if the hard deadline below answers Epic
        // first, the pipeline still records the hook and its (abandoned) answer.
        var invocation = HookInvocation.From(request, tenant, service, context, resolved, read.Stripped.IsStripped, gate)
            with { ClientTenant = http.GetEpicHookCaller()?.ClientTenant };
        var run = pipeline.RunAsync(invocation, started, lifetime.ApplicationStopping);

        // Hard deadline: whatever is still pending (a slow or unreachable store, a cold connection), Epic gets an
        // answer by the deadline — without cards, unless the pipeline has already committed to its answer.
        HookAnswer answer;
        var left = deadline - Stopwatch.GetElapsedTime(started);
        try
        {
            answer = await run.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, ct);
        }
        catch (TimeoutException) when (gate.TryAbandon())
        {
            metrics.HardDeadline(service.Id, tenant);
            log.LogWarning("Hook {HookInstance} on {Service}: hard deadline of {Deadline} ms reached before the answer was ready; answered without cards",
                request.HookInstance, service.Id, deadline.TotalMilliseconds);
            _ = run.ContinueWith(t => log.LogWarning("Hook {HookInstance}: recording after the hard deadline did not complete ({Error})",
                request.HookInstance, t.IsCanceled ? "canceled: the service is stopping" : t.Exception!.GetBaseException().GetType().Name),
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            return CdsHookResponse.From([]).ToResult();
        }
        catch (TimeoutException)
        {
            answer = await run; // committed just before the deadline: its answer is being recorded
        }
        return CdsHookResponse.From(SmartLinks.Attach(answer.Cards, http, tenant, request.HookInstance)).ToResult();
    }

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
