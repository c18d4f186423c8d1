using System.Net.Http.Headers;
using System.Text;
using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Testing;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using MassTransit;
using Npgsql;
using FhirInteraction = Cds.EpicSandbox.FhirInteraction;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

/// <summary>Feedback → relay → write-back consumer → Epic sandbox, on real RabbitMQ, PostgreSQL and HTTP.</summary>
[Collection("write-back flow")]
public sealed class WriteBackFlowTests(WriteBackFixture fx) : IClassFixture<WriteBackFixture>
{
    private static NoteIdentity IdentityOf(string tenant, string hookInstance, Card card, string outcome) =>
        NoteIdentity.For(new TenantWriteBackSettings().IdentifierSystem, tenant, hookInstance, card.Uuid, outcome);

    private static bool Settled(HookTimeline t) => t.Notes.Any(n => n.Status != WriteBackStatuses.Requested);

    [Fact]
    public async System.Threading.Tasks.Task Override_of_a_critical_card_becomes_one_note_and_the_timeline_shows_requested_then_succeeded()
    {
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        await fx.AppendFeedbackAsync(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);

        var timeline = await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, Settled);

        var identity = IdentityOf(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
        var note = Assert.Single(timeline.Notes);
        Assert.Equal(WriteBackStatuses.Succeeded, note.Status);
        Assert.Equal(identity.Value, note.IdentifierValue);
        Assert.Equal(nameof(WriteBackTrigger.OverrideOfCritical), note.Trigger);
        Assert.Equal(1, fx.Sandbox.State.CreatedCount(identity.Token));
        var write = Assert.Single(fx.Sandbox.State.WritesFor(identity.Token));
        Assert.Equal(write.Id, note.EpicId);
        Assert.Equal(SandboxPatients.PenicillinAllergic, write.PatientId);

        var order = timeline.Entries.Select(e => e.What).Where(w => w.StartsWith("write-back", StringComparison.Ordinal) || w == "feedback-received").ToList();
        Assert.Equal(["feedback-received", "write-back-requested", "write-back-succeeded"], order);
        Assert.Contains(timeline.Entries, e => e.What == "write-back-succeeded" && e.Detail.Contains($"DocumentReference/{note.EpicId}", StringComparison.Ordinal));

        // What Epic stored, read back over HTTP.
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fx.Sandbox.IssueAccessToken());
        var json = await http.GetStringAsync(new Uri(fx.Sandbox.FhirBaseUrl, $"DocumentReference/{note.EpicId}"));
        var stored = new FhirJsonDeserializer().Deserialize<DocumentReference>(json);
        Assert.Equal("11506-3", stored.Type!.Coding.Single().Code);
        Assert.Equal($"Patient/{SandboxPatients.PenicillinAllergic}", stored.Subject!.Reference);
        Assert.Equal("Encounter/enc-1001", stored.Context!.Encounter.Single().Reference);
        Assert.Equal("PractitionerRole/pr-12", stored.Author.Single().Reference);
        var text = Encoding.UTF8.GetString(stored.Content.Single().Attachment.Data!);
        Assert.Contains("Outcome: overridden by the clinician", text, StringComparison.Ordinal);
        Assert.Contains("Benefit outweighs risk", text, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Redelivery_of_the_same_FeedbackRecorded_leaves_one_note()
    {
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        var message = TestData.Feedback(card, FeedbackOutcomes.Overridden, WriteBackFixture.Tenant, hook, patientId: SandboxPatients.PenicillinAllergic);
        var messageId = NewId.NextGuid();

        await fx.Bus.Publish(message, ctx => ctx.MessageId = messageId);
        await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, Settled);
        await fx.Bus.Publish(message, ctx => ctx.MessageId = messageId);          // broker redelivery
        await fx.Bus.Publish(message with { EventId = Guid.NewGuid() });          // Epic repeating the same feedback
        await fx.WaitForQueuesDrainedAsync();

        var identity = IdentityOf(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
        Assert.Equal(1, fx.Sandbox.State.CreatedCount(identity.Token));
        Assert.Single(fx.Sandbox.State.WritesFor(identity.Token));
        var timeline = await fx.TimelineAsync(WriteBackFixture.Tenant, hook);
        Assert.Single(timeline!.Entries, e => e.What == "write-back-succeeded");
        Assert.Single(timeline.Entries, e => e.What == "write-back-requested");
    }

    [Fact]
    public async System.Threading.Tasks.Task A_crash_between_the_POST_and_the_acknowledgement_leaves_exactly_one_note_after_restart()
    {
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        var identity = IdentityOf(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
        // The worker is a real process; Epic takes 4 s to answer its first POST, long enough to hold the event table.
        await fx.StopHostAsync();
        await using var worker = fx.StartWorkerProcess();
        var slowPost = fx.Sandbox.Faults.Add(new FaultRule { Method = "POST", ResourceType = "DocumentReference", Delay = TimeSpan.FromSeconds(4), Times = 1 });
        await using var db = new NpgsqlConnection(fx.Infra.Postgres);
        await db.OpenAsync();
        try
        {
            await fx.AppendFeedbackAsync(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, t => t.Notes.Count == 1);

            // While Epic is still answering, block appends: the worker will get Epic's 201 and hang recording it.
            await using (var tx = await db.BeginTransactionAsync())
            {
                await using (var lockEvents = new NpgsqlCommand($"lock table {fx.Infra.Schema}.mt_events in exclusive mode", db, tx))
                {
                    await lockEvents.ExecuteNonQueryAsync();
                }
                await WaitUntil(() => fx.Sandbox.State.CreatedCount(identity.Token) == 1, "Epic never received the note");
                Assert.Equal(1, slowPost.Fired);
                await System.Threading.Tasks.Task.Delay(500);
                Assert.False(worker.HasExited, worker.Output());

                worker.KillHard(); // between Epic's 201 and our record + acknowledgement
                await tx.RollbackAsync();
            }
            var before = await fx.TimelineAsync(WriteBackFixture.Tenant, hook);
            Assert.Equal(WriteBackStatuses.Requested, Assert.Single(before!.Notes).Status);

            // Restart: the broker redelivers the unacknowledged message; If-None-Exist finds the note Epic already has.
            await fx.ReplaceHostAsync(fx.StartHost());
            var timeline = await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, Settled);

            var note = Assert.Single(timeline.Notes);
            Assert.True(note.Status == WriteBackStatuses.Succeeded, $"{note.Status}: {note.FailureReason}");
            Assert.Equal(1, fx.Sandbox.State.CreatedCount(identity.Token));
            var writes = fx.Sandbox.State.WritesFor(identity.Token);
            Assert.Equal([WriteOutcome.Created, WriteOutcome.MatchedExisting], writes.Select(w => w.Outcome));
            Assert.Equal(writes[0].Id, note.EpicId);
            Assert.Single(timeline.Entries, e => e.What == "write-back-succeeded");
            Assert.Contains(timeline.Entries, e => e.What == "write-back-succeeded" && e.Detail.Contains("already existed", StringComparison.Ordinal));
        }
        finally
        {
            fx.Sandbox.Faults.Remove(slowPost);
            if (!fx.HostRunning)
            {
                await fx.ReplaceHostAsync(fx.StartHost());
            }
        }
    }

    private static System.Threading.Tasks.Task WaitUntil(Func<bool> condition, string failure) =>
        Eventually.UntilAsync(condition, () => failure, interval: TimeSpan.FromMilliseconds(50));

    [Fact]
    public async System.Threading.Tasks.Task A_403_ends_as_WriteBackFailed_naming_the_registration_and_is_not_retried()
    {
        var create = new EpicApi("DocumentReference", FhirInteraction.Create);
        fx.Sandbox.Clients.Modify(SandboxClients.PlatformClientName, c => c.Apis.Remove(create));
        fx.Sandbox.ExpireAllAccessTokens();
        try
        {
            var card = TestData.Card(Indicators.Critical);
            var hook = await fx.SeedHookAsync(card);
            await fx.AppendFeedbackAsync(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);

            var timeline = await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, Settled);

            var note = Assert.Single(timeline.Notes);
            Assert.Equal(WriteBackStatuses.Failed, note.Status);
            Assert.False(note.Retryable);
            Assert.Contains("DocumentReference.Create (Clinical Notes)", note.FailureReason, StringComparison.Ordinal);
            var identity = IdentityOf(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            Assert.Equal(0, fx.Sandbox.State.CreatedCount(identity.Token));
            await fx.WaitForQueuesDrainedAsync();
            var posts = fx.Sandbox.State.FhirRequests.Where(r => r.Method == "POST" && r.PathAndQuery.Contains("DocumentReference", StringComparison.Ordinal)
                && r.At >= timeline.Notes[0].RequestedAt).ToList();
            // One 401 may come first (the token issued before the registration changed expired); then one 403, never retried.
            Assert.Single(posts, p => p.Status == 403);
            Assert.DoesNotContain(posts, p => p.Status is not (403 or 401));
        }
        finally
        {
            fx.Sandbox.Clients.Modify(SandboxClients.PlatformClientName, c => c.Apis.Add(create));
            fx.Sandbox.ExpireAllAccessTokens();
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_429_and_503_are_retried_then_the_note_is_written_once()
    {
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        var rule429 = fx.Sandbox.Faults.Add(new FaultRule { Method = "POST", ResourceType = "DocumentReference", PathContains = "DocumentReference", Status = 429, RetryAfterSeconds = 1, Times = 1 });
        var rule503 = fx.Sandbox.Faults.Add(new FaultRule { Method = "POST", ResourceType = "DocumentReference", Status = 503, Times = 1 });
        try
        {
            await fx.AppendFeedbackAsync(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            var timeline = await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, Settled);

            Assert.Equal(WriteBackStatuses.Succeeded, Assert.Single(timeline.Notes).Status);
            Assert.Equal((1, 1), (rule429.Fired, rule503.Fired));
            var identity = IdentityOf(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            Assert.Equal(1, fx.Sandbox.State.CreatedCount(identity.Token));
        }
        finally
        {
            fx.Sandbox.Faults.Remove(rule429);
            fx.Sandbox.Faults.Remove(rule503);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task When_Epic_keeps_failing_past_the_clients_retries_the_bus_retries_the_message()
    {
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        // 1 + 3 client retries fail: the consumer throws, the bus retries the message, the next attempt succeeds.
        var rule = fx.Sandbox.Faults.Add(new FaultRule { Method = "POST", ResourceType = "DocumentReference", Status = 503, Times = 4 });
        try
        {
            await fx.AppendFeedbackAsync(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            var timeline = await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, Settled);

            Assert.Equal(WriteBackStatuses.Succeeded, Assert.Single(timeline.Notes).Status);
            Assert.Equal(4, rule.Fired);
            var identity = IdentityOf(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            Assert.Equal(1, fx.Sandbox.State.CreatedCount(identity.Token));
            Assert.True(Assert.Single(timeline.Notes).Attempts >= 2, "the retried message requests the note again");
        }
        finally
        {
            fx.Sandbox.Faults.Remove(rule);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task When_every_retry_fails_the_message_is_parked_and_the_timeline_says_retryable()
    {
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        var rule = fx.Sandbox.Faults.Add(new FaultRule { Method = "POST", ResourceType = "DocumentReference", Status = 503 });
        try
        {
            await fx.AppendFeedbackAsync(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            var timeline = await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, Settled);

            var note = Assert.Single(timeline.Notes);
            Assert.Equal(WriteBackStatuses.Failed, note.Status);
            Assert.True(note.Retryable);
            Assert.Contains(FeedbackRecordedConsumer.ErrorQueue, note.FailureReason, StringComparison.Ordinal);
            Assert.Equal(16, rule.Fired); // (1 + 3 client retries) x (1 + 3 retries of the endpoint's schedule), then the error queue
            var identity = IdentityOf(WriteBackFixture.Tenant, hook, card, FeedbackOutcomes.Overridden);
            Assert.Equal(0, fx.Sandbox.State.CreatedCount(identity.Token));
            // The fault is published as the message moves to its error queue; the management API lists it a little later.
            var depths = await Eventually.ReadUntilAsync(fx.Infra.QueueDepthsAsync, d => d.ContainsKey(FeedbackRecordedConsumer.ErrorQueue),
                interval: TimeSpan.FromMilliseconds(500));
            Assert.Contains(FeedbackRecordedConsumer.ErrorQueue, depths.Keys);
        }
        finally
        {
            fx.Sandbox.Faults.Remove(rule);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Tenants_without_write_back_and_cards_without_a_trigger_write_nothing()
    {
        var quietCard = TestData.Card(Indicators.Critical);
        var quietHook = await fx.SeedHookAsync(quietCard, WriteBackFixture.QuietTenant);
        var warningCard = TestData.Card(Indicators.Warning);
        var warningHook = await fx.SeedHookAsync(warningCard);

        await fx.Bus.Publish(TestData.Feedback(quietCard, FeedbackOutcomes.Overridden, WriteBackFixture.QuietTenant, quietHook, patientId: SandboxPatients.PenicillinAllergic));
        await fx.Bus.Publish(TestData.Feedback(warningCard, FeedbackOutcomes.Overridden, WriteBackFixture.Tenant, warningHook, patientId: SandboxPatients.PenicillinAllergic));
        await fx.WaitForQueuesDrainedAsync();

        Assert.Empty(fx.Sandbox.State.WritesFor(IdentityOf(WriteBackFixture.QuietTenant, quietHook, quietCard, FeedbackOutcomes.Overridden).Token));
        Assert.Empty(fx.Sandbox.State.WritesFor(IdentityOf(WriteBackFixture.Tenant, warningHook, warningCard, FeedbackOutcomes.Overridden).Token));
        Assert.Empty((await fx.TimelineAsync(WriteBackFixture.QuietTenant, quietHook))!.Notes);
        Assert.Empty((await fx.TimelineAsync(WriteBackFixture.Tenant, warningHook))!.Notes);
    }
}
