using Cds.Hooks.Requests;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// How long a caller may take to send its request, and how long a connection may idle (configuration section
/// <c>Hooks:Transport</c>). A hook's deadline is about a second: a body that has not arrived within a few seconds will
/// never be answered in time, and a caller that stalls must not hold a connection and a request for good.
/// </summary>
public sealed class HookTransportOptions
{
    public const string Section = "Hooks:Transport";

    /// <summary>
    /// Time for a hook's or feedback's whole body to arrive, from the start of reading it; past it the call is answered
    /// 408 with an OperationOutcome. Default 3 s.
    /// </summary>
    public TimeSpan BodyTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Backstop of the request-timeouts middleware on the hook and feedback routes: 408 with an OperationOutcome when
    /// anything at all (body, authentication, storage) takes longer. Default 10 s; never shorter than the longest hook
    /// deadline plus one second, so the deadline's own answer always comes first.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Kestrel: time for the request line and headers to arrive once the first byte has (default 3 s; Kestrel's own is 30 s).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Kestrel: how long an idle connection stays open between requests (default 130 s, Kestrel's own: longer than the
    /// usual 60 s idle timeout of a load balancer in front, so the balancer never reuses a connection we are closing).
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    /// <summary>Kestrel: slowest request body accepted, in bytes per second, after <see cref="MinRequestBodyGracePeriod"/> (default 1024; Kestrel's own is 240).</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>Kestrel: time a body is given before <see cref="MinRequestBodyBytesPerSecond"/> is enforced (default 2 s; Kestrel's own is 5 s).</summary>
    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The request-timeouts middleware's timeout: <see cref="RequestTimeout"/>, raised above the longest hook deadline.</summary>
    public TimeSpan EffectiveRequestTimeout(HookOptions hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        var longest = hooks.ServiceDeadlines.Values.Append(hooks.Deadline).Max();
        var floor = longest + TimeSpan.FromSeconds(1);
        return RequestTimeout > floor ? RequestTimeout : floor;
    }
}

/// <summary>Marks the routes whose body the hooks service reads itself (hook and feedback calls), under <see cref="HookRequestReaderOptions.MaxBodyBytes"/>.</summary>
internal sealed class HookBodyRoute
{
    public static readonly HookBodyRoute Instance = new();
}

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
