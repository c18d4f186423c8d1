using Cds.Contracts;
using Cds.EventStore;
using Cds.Fhir;
using Cds.Fhir.Patients;
using Cds.Rules;
using Marten;
using Microsoft.Extensions.Options;

namespace Cds.Enrichment.Context;

/// <summary>
/// Fills what the hook's prefetch did not carry: from the warm context of an earlier hook when it is young enough
/// (order hooks: <see cref="EnrichmentOptions.OrderTimeMaxAge"/>; patient-view: <see cref="EnrichmentOptions.WarmContextTtl"/>),
/// otherwise from the tenant's Epic through the SMART backend client (never the hook's token). A part that stays
/// unknown stays a gap: the rules never read "unknown" as "none"; data older than the bound is never passed off as fresh.
/// </summary>
public sealed class PatientContextCompletion(IPatientContextReader reader, IOptions<EnrichmentOptions> options, TimeProvider time,
    ILogger<PatientContextCompletion> log)
{
    /// <summary>What a re-read of a stale context leaves for the rules, the store and the answer before the hook's deadline.</summary>
    internal static readonly TimeSpan AnswerReserve = TimeSpan.FromMilliseconds(200);

    public async Task<CompletedContext> CompleteAsync(IDocumentSession session, EvaluateHook request, CancellationToken ct)
    {
        var given = request.Context;
        if (given is { Gaps.Count: 0 })
        {
            return new(given, new PatientDataUsed(PatientDataSources.Prefetch, given.AsOf, AgeOf(given.AsOf), Stale: false));
        }

        var ttl = options.Value.WarmContextTtl;
        var orderTime = request.Hook is HookNames.OrderSelect or HookNames.OrderSign;
        var maxAge = orderTime && options.Value.OrderTimeMaxAge < ttl ? options.Value.OrderTimeMaxAge : ttl;
        var warm = await session.LoadAsync<WarmPatientContext>(request.PatientId, ct);
        var now = time.GetUtcNow();
        if (warm is not null && now - warm.ReadAt <= maxAge)
        {
            return new(PatientContextMerge.Merge(given, warm.Context), new PatientDataUsed(PatientDataSources.Warm, warm.ReadAt, AgeOf(warm.ReadAt), Stale: false));
        }

        // Too old for this hook but within the warm TTL (order hooks only): the fallback if Epic cannot be read again in time.
        var fallback = warm is not null && now - warm.ReadAt <= ttl ? warm : null;
        var (backend, failure) = fallback is null
            ? await ReadAsync(request.Tenant, request.PatientId, ct, ct)
            : await ReadWithinDeadlineAsync(request, now, ct);
        if (backend is not null)
        {
            session.Store(new WarmPatientContext { Id = request.PatientId, Context = backend, ReadAt = now });
            return new(PatientContextMerge.Merge(given, backend), new PatientDataUsed(PatientDataSources.Epic, now, AgeOf(now), Stale: false));
        }

        if (fallback is not null)
        {
            var note = $"older than the order-time bound of {HookTimelineProjection.Age(maxAge.TotalSeconds)}; Epic could not be read again: {failure}";
            log.LogWarning("Tenant {Tenant}: hook {HookInstance} evaluated on a patient context read {Age} ago ({Note})",
                request.Tenant, request.HookInstance, HookTimelineProjection.Age(AgeOf(fallback.ReadAt)), note);
            return new(PatientContextMerge.Merge(given, fallback.Context),
                new PatientDataUsed(PatientDataSources.Stale, fallback.ReadAt, AgeOf(fallback.ReadAt), Stale: true, note));
        }

        return new(given, new PatientDataUsed(PatientDataSources.Unavailable, null, null, Stale: false, failure));
    }

    /// <summary>
    /// At patient-view (relayed, after the hook answered): reads the patient's order-time context with the backend token
    /// unless a warm one is still young enough for an order hook, so the coming order-select/order-sign decide in the
    /// hooks process. "fresh", "read" or "failed" (a failure leaves the order hook to ask over the bus).
    /// </summary>
    public async Task<string> PrecomputeAsync(IDocumentSession session, string tenant, string patientId, CancellationToken ct)
    {
        var warm = await session.LoadAsync<WarmPatientContext>(patientId, ct);
        var now = time.GetUtcNow();
        if (warm is not null && now - warm.ReadAt <= options.Value.OrderTimeMaxAge / 2)
        {
            return "fresh";
        }
        var (backend, _) = await ReadAsync(tenant, patientId, ct, ct);
        if (backend is null)
        {
            return "failed";
        }
        session.Store(new WarmPatientContext { Id = patientId, Context = backend, ReadAt = now });
        await session.SaveChangesAsync(ct);
        return "read";
    }

    /// <summary>A re-read of a stale context, bounded by what is left of the hook's deadline (less the answer's reserve).</summary>
    private async Task<(PatientContext? Context, string? Failure)> ReadWithinDeadlineAsync(EvaluateHook request, DateTimeOffset now, CancellationToken ct)
    {
        var budget = request.Deadline - now - AnswerReserve;
        if (budget <= TimeSpan.Zero)
        {
            return (null, "no time was left before the hook's deadline");
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(budget);
        return await ReadAsync(request.Tenant, request.PatientId, bounded.Token, ct,
            $"Epic did not answer within the {budget.TotalMilliseconds:0} ms left before the hook's deadline");
    }

    private async Task<(PatientContext? Context, string? Failure)> ReadAsync(string tenant, string patientId, CancellationToken read,
        CancellationToken consumer, string? outOfTime = null)
    {
        try
        {
            return (await reader.GetPatientContextAsync(tenant, patientId, read), null);
        }
        catch (EpicFhirException ex)
        {
            // The message names tenant, resource, interaction and the fix; never a token or patient data.
            log.LogWarning("Tenant {Tenant}: patient context not readable from Epic: {Reason}", tenant, ex.Message);
            return (null, ex.Message);
        }
        catch (OperationCanceledException) when (read.IsCancellationRequested && !consumer.IsCancellationRequested)
        {
            log.LogWarning("Tenant {Tenant}: patient context not read from Epic in time: {Reason}", tenant, outOfTime);
            return (null, outOfTime ?? "timed out");
        }
    }

    private double AgeOf(DateTimeOffset readAt) => Math.Max(0, (time.GetUtcNow() - readAt).TotalSeconds);
}
