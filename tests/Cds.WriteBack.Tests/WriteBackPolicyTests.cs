using Cds.Contracts;
using Cds.EventStore;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

public sealed class WriteBackPolicyTests
{
    [Fact]
    public void Nothing_is_written_when_the_tenant_has_not_enabled_write_back()
    {
        var card = TestData.Card();
        var settings = new TenantWriteBackSettings { Triggers = [WriteBackTrigger.OverrideOfCritical] };

        var decision = WriteBackPolicy.Decide(settings, TestData.Feedback(card, FeedbackOutcomes.Overridden), TestData.Timeline(card));

        var skip = Assert.IsType<WriteBackDecision.Skip>(decision);
        Assert.Contains("disabled", skip.Reason, StringComparison.Ordinal);
        Assert.False(new TenantWriteBackSettings().Enabled); // off by default
    }

    [Fact]
    public void Override_of_a_critical_card_is_documented_by_default_once_enabled()
    {
        var card = TestData.Card(Indicators.Critical);
        var decision = WriteBackPolicy.Decide(new TenantWriteBackSettings { Enabled = true },
            TestData.Feedback(card, FeedbackOutcomes.Overridden), TestData.Timeline(card));

        var write = Assert.IsType<WriteBackDecision.Write>(decision);
        Assert.Equal(WriteBackTrigger.OverrideOfCritical, write.Trigger);
        Assert.Same(card, write.Card);
    }

    [Theory]
    [InlineData(Indicators.Warning, FeedbackOutcomes.Overridden)]
    [InlineData(Indicators.Info, FeedbackOutcomes.Overridden)]
    [InlineData(Indicators.Critical, FeedbackOutcomes.Accepted)]
    public void Only_a_critical_override_matches_the_override_trigger(string indicator, string outcome)
    {
        var card = TestData.Card(indicator);
        var decision = WriteBackPolicy.Decide(TestData.Enabled(WriteBackTrigger.OverrideOfCritical),
            TestData.Feedback(card, outcome), TestData.Timeline(card));

        Assert.IsType<WriteBackDecision.Skip>(decision);
    }

    [Fact]
    public void Accepted_suggestion_needs_its_trigger_and_an_accepted_suggestion()
    {
        var card = TestData.Card(Indicators.Warning);
        var timeline = TestData.Timeline(card);

        Assert.IsType<WriteBackDecision.Skip>(WriteBackPolicy.Decide(TestData.Enabled(WriteBackTrigger.OverrideOfCritical),
            TestData.Feedback(card, FeedbackOutcomes.Accepted), timeline));
        Assert.IsType<WriteBackDecision.Skip>(WriteBackPolicy.Decide(TestData.Enabled(WriteBackTrigger.AcceptedSuggestion),
            TestData.Feedback(card, FeedbackOutcomes.Accepted, accepted: []), timeline));
        var write = Assert.IsType<WriteBackDecision.Write>(WriteBackPolicy.Decide(TestData.Enabled(WriteBackTrigger.AcceptedSuggestion),
            TestData.Feedback(card, FeedbackOutcomes.Accepted), timeline));
        Assert.Equal(WriteBackTrigger.AcceptedSuggestion, write.Trigger);
    }

    [Fact]
    public void Flagged_finding_documents_any_response_to_its_card_and_only_when_flagged()
    {
        var card = TestData.Card(Indicators.Info);
        var settings = TestData.Enabled(WriteBackTrigger.FlaggedFinding);

        var write = Assert.IsType<WriteBackDecision.Write>(WriteBackPolicy.Decide(settings,
            TestData.Feedback(card, FeedbackOutcomes.Overridden), TestData.Timeline(card, flag: true)));
        Assert.Equal(WriteBackTrigger.FlaggedFinding, write.Trigger);
        Assert.NotNull(write.Finding);
        Assert.IsType<WriteBackDecision.Skip>(WriteBackPolicy.Decide(settings,
            TestData.Feedback(card, FeedbackOutcomes.Overridden), TestData.Timeline(card, flag: false)));
    }

    [Fact]
    public void Gating_is_per_tenant_settings()
    {
        var card = TestData.Card(Indicators.Critical);
        var options = new ConfiguredTenants
        {
            Tenants =
            {
                ["on"] = new() { WriteBack = new TenantWriteBackSettings { Enabled = true } },
                ["off"] = new() { WriteBack = new TenantWriteBackSettings { Enabled = false } },
            },
        };
        var timeline = TestData.Timeline(card);

        Assert.IsType<WriteBackDecision.Write>(WriteBackPolicy.Decide(options.WriteBackOf("ON"), TestData.Feedback(card, FeedbackOutcomes.Overridden, "on"), timeline));
        Assert.IsType<WriteBackDecision.Skip>(WriteBackPolicy.Decide(options.WriteBackOf("off"), TestData.Feedback(card, FeedbackOutcomes.Overridden, "off"), timeline));
        Assert.IsType<WriteBackDecision.Skip>(WriteBackPolicy.Decide(options.WriteBackOf("unknown"), TestData.Feedback(card, FeedbackOutcomes.Overridden, "unknown"), timeline));
    }

    [Fact]
    public void Unknown_hook_or_card_is_skipped()
    {
        var card = TestData.Card();
        var settings = TestData.Enabled(WriteBackTrigger.OverrideOfCritical);

        Assert.IsType<WriteBackDecision.Skip>(WriteBackPolicy.Decide(settings, TestData.Feedback(card, FeedbackOutcomes.Overridden), null));
        Assert.IsType<WriteBackDecision.Skip>(WriteBackPolicy.Decide(settings, TestData.Feedback(card, FeedbackOutcomes.Overridden),
            TestData.Timeline(TestData.Card())));
    }

    [Fact]
    public void The_note_identifier_is_stable_and_differs_per_tenant_hook_card_and_outcome()
    {
        var card = TestData.Card();
        var settings = TestData.Enabled(WriteBackTrigger.OverrideOfCritical, WriteBackTrigger.AcceptedSuggestion);
        var timeline = TestData.Timeline(card);
        var first = (WriteBackDecision.Write)WriteBackPolicy.Decide(settings, TestData.Feedback(card, FeedbackOutcomes.Overridden), timeline);
        var again = (WriteBackDecision.Write)WriteBackPolicy.Decide(settings, TestData.Feedback(card, FeedbackOutcomes.Overridden), timeline);
        var accepted = (WriteBackDecision.Write)WriteBackPolicy.Decide(settings, TestData.Feedback(card, FeedbackOutcomes.Accepted), timeline);
        var otherTenant = (WriteBackDecision.Write)WriteBackPolicy.Decide(settings, TestData.Feedback(card, FeedbackOutcomes.Overridden, "other"), timeline);

        Assert.Equal(first.Identity, again.Identity);
        Assert.NotEqual(first.Identity.Value, accepted.Identity.Value);
        Assert.NotEqual(first.Identity.Value, otherTenant.Identity.Value);
        Assert.Equal(settings.IdentifierSystem, first.Identity.System);
        Assert.Matches("^[0-9a-f]{40}$", first.Identity.Value);
        Assert.Equal("identifier=" + Uri.EscapeDataString($"{first.Identity.System}|{first.Identity.Value}"), first.Identity.IfNoneExistQuery);
    }

    [Fact]
    public void Settings_validation_names_each_bad_key()
    {
        var options = new ConfiguredTenants
        {
            Tenants =
            {
                ["t1"] = new() { WriteBack = new TenantWriteBackSettings { NoteTypeLoinc = "progress", ContentType = "application/pdf", DocStatus = "done" } },
                ["t2"] = new() { WriteBack = new TenantWriteBackSettings() },
            },
        };

        var failures = new WriteBackTenantsValidator().Problems(options).ToList();

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Tenants:t1:WriteBack:NoteTypeLoinc", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Tenants:t1:WriteBack:ContentType", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Tenants:t1:WriteBack:DocStatus", StringComparison.Ordinal));
    }
}
