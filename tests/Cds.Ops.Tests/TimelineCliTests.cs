using Cds.Testing;
using Marten;

namespace Cds.Ops.Tests;

/// <summary><c>timeline</c> against real Marten: events appended in an isolated schema, the CLI prints them.</summary>
public sealed class TimelineCliTests : IAsyncLifetime
{
    private readonly IsolatedEventStore _events = new();

    public Task InitializeAsync() => _events.InitializeAsync();

    public Task DisposeAsync() => _events.DisposeAsync();

    private DocumentStore Store => _events.Store;

    private Dictionary<string, string?> Settings => _events.Settings;

    [Fact]
    public async Task Prints_request_answer_cards_enrichment_feedback_and_events()
    {
        var hookInstance = Guid.NewGuid().ToString();
        var at = new DateTimeOffset(2026, 11, 28, 10, 15, 30, TimeSpan.Zero);
        await Seed.AppendHookAsync(Store, "sandbox", hookInstance, at, 312, cardSummary: "Penicillin allergy: amoxicillin ordered", withWriteBack: true);

        var result = await Cli.RunAsync(Settings, "timeline", hookInstance);

        Assert.True(result.ExitCode == 0, result.ToString());
        var o = result.Output;
        Assert.Contains($"Hook instance  {hookInstance}", o, StringComparison.Ordinal);
        Assert.Contains("Tenant         sandbox", o, StringComparison.Ordinal);
        Assert.Contains("Hook           order-select (service medication-safety)", o, StringComparison.Ordinal);
        Assert.Contains("Received       2026-11-28 10:15:30.000Z", o, StringComparison.Ordinal);
        Assert.Contains("trigger 60 (Accept), criteria 123, version 2024", o, StringComparison.Ordinal);
        Assert.Contains("provided [patient]  no data [medications]  fetched [allergies]", o, StringComparison.Ordinal);
        Assert.Contains("1 card(s), source live, 312 ms, deadline met", o, StringComparison.Ordinal);
        Assert.Contains("Cards (1)", o, StringComparison.Ordinal);
        Assert.Contains("[warning] Penicillin allergy: amoxicillin ordered", o, StringComparison.Ordinal);
        Assert.Contains("drug-allergy@3 [warning] drug-allergy", o, StringComparison.Ordinal);
        Assert.Contains("Feedback (1)", o, StringComparison.Ordinal);
        Assert.Contains("overridden   override reasons Benefit outweighs risk", o, StringComparison.Ordinal);
        Assert.Contains("Write-backs (1)", o, StringComparison.Ordinal);
        Assert.Contains($"succeeded urn:cds:note:sandbox:{hookInstance}:", o, StringComparison.Ordinal);
        Assert.Contains("Epic id eDocRef123", o, StringComparison.Ordinal);
        Assert.Contains("Events (7)", o, StringComparison.Ordinal);
        foreach (var kind in new[] { "hook-received", "prefetch-resolved", "enrichment-completed", "cards-returned", "feedback-received", "write-back-requested", "write-back-succeeded" })
        {
            Assert.Contains(kind, o, StringComparison.Ordinal);
        }
        // the events are listed in stream order
        Assert.True(o.IndexOf("v1 ", StringComparison.Ordinal) < o.IndexOf("v7 ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Finds_the_tenant_by_itself_and_honours_an_explicit_tenant()
    {
        var hookInstance = Guid.NewGuid().ToString();
        await Seed.AppendHookAsync(Store, "other-health", hookInstance, DateTimeOffset.UtcNow, 95, withFeedback: false);

        var any = await Cli.RunAsync(Settings, "timeline", hookInstance);
        Assert.True(any.ExitCode == 0, any.ToString());
        Assert.Contains("Tenant         other-health", any.Output, StringComparison.Ordinal);
        Assert.Contains("Feedback (0)", any.Output, StringComparison.Ordinal);

        var right = await Cli.RunAsync(Settings, "timeline", hookInstance, "--tenant", "other-health");
        Assert.Equal(0, right.ExitCode);

        var wrong = await Cli.RunAsync(Settings, "timeline", hookInstance, "--tenant", "sandbox");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains($"no timeline for hook instance '{hookInstance}'", wrong.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_hook_instance_is_not_found()
    {
        await Seed.AppendHookAsync(Store, "sandbox", Guid.NewGuid().ToString(), DateTimeOffset.UtcNow, 100);
        var result = await Cli.RunAsync(Settings, "timeline", "no-such-hook-instance");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no timeline for hook instance 'no-such-hook-instance'", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }
}
