using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Cds.EpicSandbox;

/// <summary>The middleware in front of every Epic path (/interconnect-fhir-oauth/…): applies the next matching <see cref="FaultRule"/>
/// (delay, status with Retry-After, dropped connection, cut body, held answer) and records each FHIR call as a <see cref="FhirRequestRecord"/>.</summary>
internal sealed class FaultsAndRecording(EpicSandboxServer server)
{
    public async Task InvokeAsync(HttpContext ctx, RequestDelegate next)
    {
        var path = ctx.Request.Path.Value ?? "";
        if (!path.StartsWith("/interconnect-fhir-oauth/", StringComparison.Ordinal))
        {
            await next(ctx);
            return;
        }

        var isFhir = path.StartsWith("/" + EpicSandboxServer.FhirPath, StringComparison.Ordinal);
        string? resourceType = null;
        string? interaction = null;
        if (isFhir)
        {
            var (type, id, operation) = FhirApi.Route(path[(EpicSandboxServer.FhirPath.Length + 1)..]);
            resourceType = type;
            interaction = FhirApi.InteractionOf(ctx.Request.Method, id, operation)?.ToString();
        }
        else if (path == "/" + EpicSandboxServer.TokenPath)
        {
            resourceType = "token";
        }
        else if (path == "/" + EpicSandboxServer.HookJwksPath)
        {
            resourceType = "jwks";
        }

        var pathAndQuery = path + ctx.Request.QueryString.Value;
        var sw = Stopwatch.StartNew();
        var rule = server.Faults.Next(ctx.Request.Method, resourceType, pathAndQuery);
        string? fault = null;
        try
        {
            if (rule is not null)
            {
                fault = rule.ToString();
                if (rule.Delay is { } delay)
                {
                    await Task.Delay(delay, ctx.RequestAborted);
                }

                if (rule.DropConnection)
                {
                    ctx.Abort();
                    return;
                }

                if (rule.Status is { } status)
                {
                    ctx.Response.StatusCode = status;
                    var retryAfter = rule.RetryAfterSeconds ?? (status is 429 or 503 ? 1 : null);
                    if (retryAfter is not null)
                    {
                        ctx.Response.Headers.RetryAfter = retryAfter.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }

                    ctx.Response.ContentType = FhirApi.FhirJsonType;
                    var text = status switch
                    {
                        429 => "Too many requests: slow down and retry after the Retry-After delay.",
                        503 => "The service is temporarily unavailable.",
                        _ => "Injected fault.",
                    };
                    await ctx.Response.WriteAsync(EpicOutcomes.Outcome(EpicOutcomes.Issue(server.Settings.InstanceOid, "error",
                        status == 429 ? "throttled" : "transient", "59133", text)).ToJsonString(), ctx.RequestAborted);
                    return;
                }
            }

            if (rule?.CutBodyAfterBytes is { } cutAfter)
            {
                var original = ctx.Response.Body;
                ctx.Response.Body = new CuttingStream(original, cutAfter, ctx);
                try
                {
                    await next(ctx);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // The cut: the caller got part of the body and then a reset.
                }
                finally
                {
                    ctx.Response.Body = original;
                }
                return;
            }

            if (rule?.DelayAnswer is { } hold)
            {
                // The work happens now (a create is stored); the caller hears of it only after the hold.
                var original = ctx.Response.Body;
                using var buffer = new MemoryStream();
                ctx.Response.Body = buffer;
                try
                {
                    await next(ctx);
                }
                finally
                {
                    ctx.Response.Body = original;
                }
                await Task.Delay(hold, CancellationToken.None);
                try
                {
                    buffer.Position = 0;
                    await buffer.CopyToAsync(original, ctx.RequestAborted);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
                {
                    // The caller is gone; Epic has stored the work all the same.
                }
                return;
            }

            await next(ctx);
        }
        finally
        {
            if (isFhir)
            {
                server.State.Add(new FhirRequestRecord(server.Time.GetUtcNow(), ctx.Request.Method, pathAndQuery, resourceType, interaction,
                    rule?.DropConnection == true ? 0 : ctx.Response.StatusCode, ctx.Items[EpicSandboxServer.ClientIdItem] as string, sw.Elapsed.TotalMilliseconds, fault));
            }
        }
    }
}
