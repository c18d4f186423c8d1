using Cds.Contracts;
using Cds.EventStore;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;
using Cds.Tenants;

namespace Cds.WriteBack;

/// <summary>
/// The bus gave up on a <see cref="FeedbackRecorded"/> after its retries (the message is in the error queue): records
/// a retryable <see cref="WriteBackFailed"/> in the hook's timeline, so the timeline says the note is pending an
/// operator's redelivery rather than silently "requested".
/// </summary>
public sealed class WriteBackFaultConsumer(IDocumentStore store, IOptions<ConfiguredTenants> tenants, TimeProvider time,
    WriteBackMetrics metrics) : IConsumer<Fault<FeedbackRecorded>>
{
    public async Task Consume(ConsumeContext<Fault<FeedbackRecorded>> context)
    {
        var message = context.Message.Message;
        await using var session = store.LightweightSession(message.Tenant);
        var timeline = await session.LoadAsync<HookTimeline>(message.HookInstance, context.CancellationToken);
        if (WriteBackPolicy.Decide(tenants.Value.WriteBackOf(message.Tenant), message, timeline) is not WriteBackDecision.Write write)
        {
            return;
        }
        var note = timeline!.Notes.Find(n => n.IdentifierValue == write.Identity.Value);
        if (note is null || note.Status != WriteBackStatuses.Requested)
        {
            return; // never requested, or settled meanwhile
        }
        var cause = PortableException.Cause(context.Message.Exceptions.FirstOrDefault());
        await HookStreams.AppendAsync(session, message.HookInstance, context.CancellationToken, new WriteBackFailed(write.Identity.Value,
            $"gave up after the bus retries ({cause}); the message waits in {FeedbackRecordedConsumer.ErrorQueue}: move it back to the queue to retry",
            Retryable: true, HttpStatus: null, time.GetUtcNow()));
        await session.SaveChangesAsync(context.CancellationToken);
        metrics.Result(message.Tenant, "parked", write.Trigger.ToString());
    }
}
