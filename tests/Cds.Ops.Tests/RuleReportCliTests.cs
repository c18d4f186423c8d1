using System.Text.Json;
using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Cds.Testing;
using Marten;
using Marten.Events;

namespace Cds.Ops.Tests;

/// <summary>
/// The rule outcome projection run by Marten's async daemon over events appended as the services append them, in an
/// isolated PostgreSQL schema; then <c>rules report</c> and <c>rules rebuild</c> through the CLI.
/// </summary>
public sealed class RuleReportCliTests : IAsyncLifetime
{
    private const string Service = "cds-order-select";
    private readonly IsolatedEventStore _events = new();

    public Task InitializeAsync() => _events.InitializeAsync();

    public Task DisposeAsync() => _events.DisposeAsync();

    private DocumentStore Store => _events.Store;

    private Dictionary<string, string?> Settings => _events.Settings;

    [Fact]
    public async Task Counts_fired_shown_feedback_and_notes_per_rule_version_and_rebuilds_from_the_events()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-30);
        // A: drug-allergy shown, accepted with its suggestion after 30 s.
        var a = Hook("a");
        var a1 = Card("a1", "drug-allergy", suggestion: "Remove the amoxicillin order");
        await AppendAsync("sandbox", a, at, [Fired(a1, "drug-allergy", "1.0.0")], [a1], late: false,
            Feedback(a, a1, FeedbackOutcomes.Accepted, at.AddSeconds(30), suggestions: [a1.Suggestions![0].Uuid]));
        // B: drug-allergy shown, overridden with a reason and a comment after 90 s; its note written to Epic.
        var b = Hook("b");
        var b1 = Card("b1", "drug-allergy");
        await AppendAsync("sandbox", b, at, [Fired(b1, "drug-allergy", "1.0.0")], [b1], late: false,
            Feedback(b, b1, FeedbackOutcomes.Overridden, at.AddSeconds(90), reason: "patienttolerated", comment: "tolerated amoxicillin in 2024"),
            new WriteBackRequested("urn:cds:note", $"note-{b}", b1.Uuid, FeedbackOutcomes.Overridden, "OverrideOfCritical", "11506-3", Guid.NewGuid(), at.AddSeconds(91)),
            new WriteBackSucceeded($"note-{b}", "eDocRef1", true, 201, at.AddSeconds(92)));
        // C: renal-dosing and drug-allergy fired after C had answered (without cards)…
        var c = Hook("c");
        var c1 = Card("c1", "renal-dosing");
        var c2 = Card("c2", "drug-allergy");
        await AppendAsync("sandbox", c, at, [Fired(c1, "renal-dosing", "1.0.0"), Fired(c2, "drug-allergy", "1.0.0")], [], late: true);
        // …and were shown on the patient's next hook D: renal-dosing gets no feedback, drug-allergy is overridden after
        // 10 s without a comment. Their rule is the finding of C's evaluation.
        var d = Hook("d");
        await AppendAsync("sandbox", d, at.AddSeconds(5), [], [c1, c2], late: false,
            Feedback(d, c2, FeedbackOutcomes.Overridden, at.AddSeconds(15), reason: "benefitoutweighsrisk"));
        // E: renal-dosing in silent mode: the card was kept from Epic ("would have fired"); E counts as a hook all the same.
        var e = Hook("e");
        var e1 = Card("e1", "renal-dosing");
        await AppendAsync("sandbox", e, at, [], [], late: false,
            new CardsSilenced(e, Service, [e1], [Fired(e1, "renal-dosing", "1.0.0")], ["Tenants:sandbox:Alerts:SilentRules:renal-dosing"], at));
        // F: duplicate-therapy held back by snooze after override (the same fact overridden on an earlier hook).
        var f = Hook("f");
        var f1 = Card("f1", "duplicate-therapy");
        await AppendAsync("sandbox", f, at, [], [], late: false,
            new CardsSnoozed(f, Service, [f1], [Fired(f1, "duplicate-therapy", "1.0.0")], ["overridden-card"], [at.AddHours(-1)], at));
        // Another tenant, another version: never in the sandbox's report.
        var o1 = Card("o1", "drug-allergy");
        await AppendAsync("other-health", Hook("o"), at, [Fired(o1, "drug-allergy", "2.0.0")], [o1], late: false);

        await RunDaemonAsync();

        var report = await Cli.RunAsync(Settings, "rules", "report", "--tenant", "sandbox", "--since", "7d");
        Assert.True(report.ExitCode == 0, report.ToString());
        var lines = report.Output.Split('\n');
        var allergy = Assert.Single(lines, l => l.StartsWith("drug-allergy ", StringComparison.Ordinal));
        // rule, version, hooks 6, fired 3 (50 per 100), silent 0, snoozed 0, shown 3, accepted 33.3 %, overridden 66.7 %, no feedback 0,
        // median 30 s, 1 note
        Assert.Matches(@"^drug-allergy\s+1\.0\.0\s+6\s+3\s+50\s+0\s+0\s+3\s+33\.3\s+66\.7\s+0\s+30 s\s+1\s+benefitoutweighsrisk x1, patienttolerated x1", allergy);
        var renal = Assert.Single(lines, l => l.StartsWith("renal-dosing ", StringComparison.Ordinal));
        Assert.Matches(@"^renal-dosing\s+1\.0\.0\s+6\s+1\s+16\.7\s+1\s+0\s+1\s+0\s+0\s+1\s+-\s+0\s+-", renal);
        // Snoozed: not fired, not shown, counted as held back.
        var duplicate = Assert.Single(lines, l => l.StartsWith("duplicate-therapy ", StringComparison.Ordinal));
        Assert.Matches(@"^duplicate-therapy\s+1\.0\.0\s+6\s+0\s+0\s+0\s+1\s+0\s+-\s+-\s+0\s+-\s+0\s+-", duplicate);
        Assert.DoesNotContain("2.0.0", report.Output, StringComparison.Ordinal);

        var json = await Cli.RunAsync(Settings, "rules", "report", "--tenant", "sandbox", "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using (var doc = JsonDocument.Parse(json.Output))
        {
            var row = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("ruleId").GetString() == "drug-allergy");
            Assert.Equal(1, row.GetProperty("accepted").GetInt64());
            Assert.Equal(50, row.GetProperty("overridesWithCommentPercent").GetDouble());
            var snoozed = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("ruleId").GetString() == "duplicate-therapy");
            Assert.Equal(1, snoozed.GetProperty("snoozed").GetInt64());
            Assert.Equal("Remove the amoxicillin order", row.GetProperty("acceptedSuggestions")[0].GetProperty("code").GetString());
            // from the answer (250 ms after the request) to the feedback at 30 s
            Assert.Equal(29.8, row.GetProperty("medianSecondsToFeedback").GetDouble());
        }

        var csv = await Cli.RunAsync(Settings, "rules", "report", "--format", "csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        var csvLines = csv.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("rule,versions,services,hooks,fired,fired_per_100_hooks,silent_would_have_fired,snoozed,shown,accepted,accepted_pct,overridden", csvLines[0], StringComparison.Ordinal);
        // every tenant together: both versions, seven hooks of the service
        Assert.Contains($"drug-allergy,1.0.0;2.0.0,{Service},7,4,57.1,0,0,4,1,25,2,50,50,1,29.8,1,benefitoutweighsrisk x1;patienttolerated x1,Remove the amoxicillin order x1", csvLines);

        // The documents are derived data: deleted, the report is empty; rebuilt from the events, it is the same again.
        await using (var session = Store.LightweightSession("sandbox"))
        {
            session.DeleteWhere<RuleOutcomeDay>(x => true);
            await session.SaveChangesAsync();
        }
        var empty = await Cli.RunAsync(Settings, "rules", "report", "--tenant", "sandbox");
        Assert.Contains("no rule fired (or would have fired) in this window", empty.Output, StringComparison.Ordinal);

        var rebuild = await Cli.RunAsync(Settings, "rules", "rebuild");
        Assert.True(rebuild.ExitCode == 0, rebuild.ToString());
        var again = await Cli.RunAsync(Settings, "rules", "report", "--tenant", "sandbox", "--since", "7d");
        Assert.Equal(report.Output, again.Output);
    }

    [Fact]
    public async Task A_bad_window_is_a_usage_error_naming_the_option()
    {
        var result = await Cli.RunAsync(Settings, "rules", "report", "--since", "last-tuesday");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--since 'last-tuesday'", result.Error, StringComparison.Ordinal);
    }

    private async Task RunDaemonAsync()
    {
        using var daemon = await Store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        await daemon.StopAllAsync();
    }

    private static string Hook(string name) => $"{name}-{Guid.NewGuid():N}";

    private static Card Card(string name, string rule, string? suggestion = null) => new()
    {
        Uuid = $"{name}-{Guid.NewGuid()}",
        Summary = $"{rule} card",
        Indicator = Indicators.Warning,
        Source = new CardSource { Label = rule, Topic = new Coding { Code = rule.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal) } },
        Suggestions = suggestion is null ? null : [new Suggestion { Label = suggestion, Uuid = Guid.NewGuid().ToString() }],
    };

    private static Finding Fired(Card card, string rule, string version) => new()
    {
        RuleId = rule,
        RuleVersion = version,
        TopicCode = card.Source.Topic!.Code,
        Indicator = card.Indicator,
        Summary = card.Summary,
        CardUuid = card.Uuid,
    };

    private static FeedbackReceived Feedback(string hook, Card card, string outcome, DateTimeOffset at, IReadOnlyList<string>? suggestions = null,
        string? reason = null, string? comment = null) =>
        new("sandbox", hook, Service, card.Uuid, outcome, suggestions ?? [], reason is null ? [] : [new Coding { Code = reason }], comment, at,
            $"fb-{card.Uuid}", "pat-1", card.Source.Topic!.Code, card.Indicator, at.AddSeconds(1));

    private async Task AppendAsync(string tenant, string hook, DateTimeOffset at, IReadOnlyList<Finding> findings, IReadOnlyList<Card> shown,
        bool late, params object[] after)
    {
        var enriched = findings.Select(f => new Card
        {
            Uuid = f.CardUuid, Summary = f.Summary, Indicator = f.Indicator, Source = new CardSource { Label = f.RuleId },
        }).ToList();
        var events = new List<object>
        {
            new HookReceived(tenant, hook, HookNames.OrderSelect, Service, "pat-1", null, null, at, []),
            new EnrichmentCompleted(hook, "pat-1", enriched, findings, ["drug-allergy@1.0.0", "renal-dosing@1.0.0"], at.AddMilliseconds(200), late),
            new CardsReturned(shown, 250, late, at.AddMilliseconds(250), late ? CardSources.None : CardSources.Live, Service),
        };
        events.AddRange(after);
        await using var session = Store.LightweightSession(tenant);
        session.Events.StartStream(hook, events.ToArray());
        await session.SaveChangesAsync();
    }
}
