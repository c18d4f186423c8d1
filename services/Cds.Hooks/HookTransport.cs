using Cds.Hooks.Requests;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// The transport side of the hooks service: Kestrel's limits, the request-timeouts policy, the body size check on
/// <c>Content-Length</c>, and an OperationOutcome on every refusal that would otherwise go out without a body.
/// </summary>
public static class HookTransport
{
    public const string TimeoutPolicy = "cds-hooks-calls";

    public static IServiceCollection AddHookTransport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HookTransportOptions>().Bind(configuration.GetSection(HookTransportOptions.Section))
            .Validate(o => o.BodyTimeout > TimeSpan.Zero && o.RequestTimeout > TimeSpan.Zero && o.RequestHeadersTimeout > TimeSpan.Zero
                && o.KeepAliveTimeout > TimeSpan.Zero && o.MinRequestBodyBytesPerSecond > 0 && o.MinRequestBodyGracePeriod >= TimeSpan.FromSeconds(1),
                "Hooks:Transport timeouts and the minimum body rate must be positive (grace period at least 1 s)")
            .ValidateOnStart();

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<HookTransportOptions>, IOptions<HookRequestReaderOptions>>((kestrel, transport, reader) =>
        {
            var t = transport.Value;
            kestrel.Limits.RequestHeadersTimeout = t.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = t.KeepAliveTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(t.MinRequestBodyBytesPerSecond, t.MinRequestBodyGracePeriod);
            // Routes that read no body refuse one over our limit at Kestrel; the hook and feedback routes lift this per
            // request (UseHookBodyLimit) and enforce the limit themselves, with an OperationOutcome and without a reset.
            kestrel.Limits.MaxRequestBodySize = reader.Value.MaxBodyBytes;
        });

        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<HookTransportOptions>, IOptions<HookOptions>>((timeouts, transport, hooks) =>
            timeouts.AddPolicy(TimeoutPolicy, new RequestTimeoutPolicy
            {
                Timeout = transport.Value.EffectiveRequestTimeout(hooks.Value),
                TimeoutStatusCode = StatusCodes.Status408RequestTimeout,
                WriteTimeoutResponse = context => WriteTimeoutAsync(context, "The call took too long to arrive or to process; send it again."),
            }));
        return services;
    }

    /// <summary>
    /// Before CORS and authentication: the request-timeouts middleware, and an OperationOutcome for every 4xx/5xx that
    /// leaves without a body (routing's 404 and 405 — with its <c>Allow</c> header —, anything else bodiless). Bodies our
    /// own code writes are never replaced; the 401 challenge stays bodiless on purpose (it switches this off).
    /// </summary>
    public static IApplicationBuilder UseHookRefusals(this IApplicationBuilder app)
    {
        app.UseStatusCodePages(WriteStatusOutcomeAsync);
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>
    /// After CORS (so a browser can read the refusal): a <c>Content-Length</c> over <see cref="HookRequestReaderOptions.MaxBodyBytes"/>
    /// is 413 before a byte of the body is read. Kestrel then drains what the client still sends (for up to 5 s) before
    /// closing, so a client busy uploading reads the 413 instead of a reset.
    /// </summary>
    public static IApplicationBuilder UseHookBodyLimit(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var limit = context.RequestServices.GetRequiredService<IOptions<HookRequestReaderOptions>>().Value.MaxBodyBytes;
            var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (context.Request.ContentLength > limit)
            {
                LiftKestrelLimit(sizeFeature);
                context.Response.Headers.Connection = "close";
                return OperationOutcomes.Problem(StatusCodes.Status413PayloadTooLarge,
                    [("$", $"The request body is larger than {limit} bytes.")]).ExecuteAsync(context);
            }
            if (context.GetEndpoint()?.Metadata.GetMetadata<HookBodyRoute>() is not null)
            {
                // Our reader stops at the limit and answers 413 itself; Kestrel's own limit would make the drain of the
                // rest of a chunked body fail and reset the connection under the client's feet.
                LiftKestrelLimit(sizeFeature);
            }
            return next(context);
        });

    /// <summary>
    /// Reads a body with <see cref="HookTransportOptions.BodyTimeout"/>: the result, or a 408 OperationOutcome when the
    /// body stalled (our timer, or Kestrel's minimum data rate). A caller that hung up or the request timeout still
    /// cancels through <paramref name="ct"/>.
    /// </summary>
    internal static async Task<(T? Value, IResult? Refusal)> ReadBodyAsync<T>(HttpContext http, Func<CancellationToken, Task<T>> read, CancellationToken ct)
    {
        var timeout = http.RequestServices.GetRequiredService<IOptions<HookTransportOptions>>().Value.BodyTimeout;
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stalled.CancelAfter(timeout);
        try
        {
            return (await read(stalled.Token), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (default, BodyTimedOut(http, timeout));
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            return (default, BodyTimedOut(http, timeout));
        }
    }

    private static IResult BodyTimedOut(HttpContext http, TimeSpan timeout)
    {
        http.Response.Headers.Connection = "close";
        return OperationOutcomes.Problem(StatusCodes.Status408RequestTimeout,
            [("$", $"The request body did not arrive within {timeout.TotalSeconds:0.#} s; send it again.")]);
    }

    private static void LiftKestrelLimit(IHttpMaxRequestBodySizeFeature? feature)
    {
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = null;
        }
    }

    private static Task WriteTimeoutAsync(HttpContext context, string message)
    {
        context.Response.Headers.Connection = "close";
        return OperationOutcomes.Problem(StatusCodes.Status408RequestTimeout, [("$", message)]).ExecuteAsync(context);
    }

    private static Task WriteStatusOutcomeAsync(StatusCodeContext status)
    {
        var http = status.HttpContext;
        var code = http.Response.StatusCode;
        var message = code switch
        {
            StatusCodes.Status404NotFound => "Nothing here; GET /cds-services lists the CDS services, each called with POST /cds-services/{id}.",
            StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not accepted here; allowed: {http.Response.Headers.Allow}.",
            _ => $"The request was refused ({code}).",
        };
        if (HttpMethods.IsHead(http.Request.Method))
        {
            return Task.CompletedTask; // the status and headers say it; a HEAD answer has no body
        }
        return OperationOutcomes.Problem(code, [("$", message)]).ExecuteAsync(http);
    }
}
