using Cds.Contracts;
using Cds.EventStore;
using Cds.Fhir;
using DocumentReference = Hl7.Fhir.Model.DocumentReference;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;
using Cds.Tenants;

namespace Cds.WriteBack;

/// <summary>
/// Writes a note to the tenant's Epic for a relayed <see cref="FeedbackRecorded"/> when the tenant's policy asks for
/// one. Exactly once in effect: the note carries a stable identifier and is created with <c>If-None-Exist</c>, so a
/// redelivery (after a crash between the POST and the acknowledgement) finds the existing note instead of writing a
/// second; a note already recorded as written (or refused for good) is not posted again. 429/5xx/timeouts are thrown
/// so the bus retries on <see cref="DefaultRetrySchedule"/> (outlasting the tenant's circuit breaker) and finally
/// parks the message in the error queue; a 403 ends as a not-retryable
/// <see cref="WriteBackFailed"/> naming the registration to add.
/// </summary>
public sealed class FeedbackRecordedConsumer(
    IDocumentStore store,
    IEpicFhirClientFactory fhir,
    IOptions<ConfiguredTenants> tenants,
    WriteBackMetrics metrics,
    TimeProvider time,
    ILogger<FeedbackRecordedConsumer> logger) : IConsumer<FeedbackRecorded>
{
    public const string RegistrationToAdd = "DocumentReference.Create (Clinical Notes)";
    /// <summary>The receive endpoint (queue) of this consumer.</summary>
    public const string Endpoint = "writeback-feedback-recorded";
    /// <summary>Where the bus parks a message after its retries (endpoint name + <c>_error</c>).</summary>
    public const string ErrorQueue = Endpoint + "_error";

    /// <summary>
    /// How long an acknowledged override waits for Epic before it is parked: 1 s, 5 s, 15 s, 30 s, 1, 2, 3 and 5 min
    /// (about 13 min of waits, far longer than a circuit-breaker break and a typical Epic brown-out; with nine attempts
    /// of at most the client's 90 s total timeout still under RabbitMQ's 30 min <c>consumer_timeout</c>).
    /// Override with <c>Bus:RetrySchedules:writeback-feedback-recorded</c>.
    /// </summary>
    public const string DefaultRetrySchedule = "00:00:01,00:00:05,00:00:15,00:00:30,00:01:00,00:02:00,00:03:00,00:05:00";

    public async Task Consume(ConsumeContext<FeedbackRecorded> context)
    {
        var message = context.Message;
        var ct = context.CancellationToken;
        var settings = tenants.Value.WriteBackOf(message.Tenant);

        await using var session = store.LightweightSession(message.Tenant);
        var timeline = await session.LoadAsync<HookTimeline>(message.HookInstance, ct);
        var decision = WriteBackPolicy.Decide(settings, message, timeline);
        if (decision is not WriteBackDecision.Write write)
        {
            metrics.Result(message.Tenant, "skipped");
            logger.LogDebug("No note for feedback event {EventId}: {Reason}", message.EventId, ((WriteBackDecision.Skip)decision).Reason);
            return;
        }

        var identity = write.Identity;
        var known = timeline!.Notes.Find(n => n.IdentifierValue == identity.Value);
        if (known is { Status: WriteBackStatuses.Succeeded } || known is { Status: WriteBackStatuses.Failed, Retryable: false })
        {
            // A redelivery (or a repeated feedback item) of a note that is already settled.
            metrics.Result(message.Tenant, "duplicate", write.Trigger.ToString());
            logger.LogInformation("Note {NoteId} of hook {HookInstance} already {Status}; message {MessageId} acknowledged without a write",
                identity.Value, message.HookInstance, known.Status, context.MessageId);
            return;
        }

        await HookStreams.AppendAsync(session, message.HookInstance, ct, new WriteBackRequested(identity.System, identity.Value, message.CardUuid,
            message.Outcome, write.Trigger.ToString(), settings.NoteTypeLoinc, context.MessageId ?? message.EventId, time.GetUtcNow()));
        await session.SaveChangesAsync(ct);

        var document = NoteBuilder.Build(settings, message, timeline, write);
        CreateResult<DocumentReference> created;
        try
        {
            created = await fhir.ForTenant(message.Tenant).CreateAsync(document, identity.IfNoneExistQuery, ct);
        }
        catch (EpicNotAuthorizedForServiceException)
        {
            await FailAsync(session, message, identity, write.Trigger, retryable: false, status: 403,
                $"Epic answered 403: the app is not authorized for {RegistrationToAdd}. Register the Incoming API " +
                $"'{RegistrationToAdd} (R4)' on the app at this customer and grant scope system/DocumentReference.c; not retried", ct);
            return;
        }
        catch (WriteBackDisabledException)
        {
            await FailAsync(session, message, identity, write.Trigger, retryable: false, status: null,
                $"write-back is switched off for tenant '{message.Tenant}' in the FHIR client configuration (Tenants:{message.Tenant}:WriteBack:Enabled)", ct);
            return;
        }
        catch (EpicFhirCallException ex) when (ex.StatusCode is >= 400 and < 500 and not 408 and not 429)
        {
            // Epic refused the content (400/412/422...): the same note will be refused again.
            await FailAsync(session, message, identity, write.Trigger, retryable: false, status: ex.StatusCode,
                $"Epic refused the note with HTTP {ex.StatusCode}; check the note type {settings.NoteTypeLoinc} and the DocumentReference metadata the site requires", ct);
            return;
        }
        // Anything else (429/5xx after the client's own retries, timeouts, token errors) propagates: the bus retries
        // with backoff, then moves the message to writeback-feedback-recorded_error (WriteBackFaultConsumer records it).

        // A crash from here until the acknowledgement leaves the message unacknowledged: the broker redelivers it, the
        // note is still "requested" in the timeline, and the next POST's If-None-Exist returns the note Epic already has.
        await HookStreams.AppendAsync(session, message.HookInstance, ct, new WriteBackSucceeded(identity.Value, created.Id, created.Created,
            created.StatusCode, time.GetUtcNow()));
        await session.SaveChangesAsync(ct);
        metrics.Result(message.Tenant, created.Created ? "created" : "existing", write.Trigger.ToString());
        logger.LogInformation("Note {NoteId} of hook {HookInstance} written to Epic as DocumentReference/{EpicId} ({Result})",
            identity.Value, message.HookInstance, created.Id, created.Created ? "created" : "already existed");
    }

    private async Task FailAsync(IDocumentSession session, FeedbackRecorded message, NoteIdentity identity,
        WriteBackTrigger trigger, bool retryable, int? status, string reason, CancellationToken ct)
    {
        await HookStreams.AppendAsync(session, message.HookInstance, ct, new WriteBackFailed(identity.Value, reason, retryable, status, time.GetUtcNow()));
        await session.SaveChangesAsync(ct);
        metrics.Result(message.Tenant, "failed", trigger.ToString());
        logger.LogWarning("Note {NoteId} of hook {HookInstance} not written ({Status}, retryable {Retryable}): {Reason}",
            identity.Value, message.HookInstance, status, retryable, reason);
    }
}
