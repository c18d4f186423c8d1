using System.Text.Json;
using Cds.Contracts;
using Cds.EpicSandbox.Conformance;
using Cds.Fhir.Smart;
using Cds.Hooks;
using Cds.Hooks.Requests;
using Cds.Tenants;

namespace Cds.Smart.Tests;

/// <summary>The card link: one <c>smart</c> link per card, its appContext sealed, the answer still valid CDS Hooks 2.0 for Epic.</summary>
public sealed class SmartLinksTests
{
    private static readonly string Key = SmartAppContext.NewKey();
    private static readonly SmartAppOptions Options = new() { LaunchUrl = "https://cds.example.org/smart/launch", AppContextKey = Key };

    private static Card Card(string uuid) => new()
    {
        Uuid = uuid,
        Summary = "Renal: metformin ordered, eGFR 25",
        Indicator = Indicators.Warning,
        Source = new CardSource { Label = "Renal dosing check", Topic = new Coding { System = "urn:cds-platform:topic", Code = "CDSRENALDOSE" } },
        Links = [new Link { Label = "Guideline", Url = "https://example.org/guideline", Type = "absolute" }],
    };

    [Fact]
    public void Every_card_gets_one_smart_link_naming_its_hook_and_card_and_the_answer_passes_the_schema_and_Epics_rules()
    {
        var cards = SmartLinks.Attach([Card("c-1"), Card("c-2")], Options, "memorial", "hook-1", DateTimeOffset.UtcNow);
        var response = CdsHookResponse.From(cards);
        Assert.Empty(CdsHooksSchema.Validate(CdsHooksDocument.Response, response.ToJson()));
        Assert.Empty(EpicCardRules.Violations(response));
        foreach (var card in cards)
        {
            var smart = Assert.Single(card.Links!, l => l.Type == "smart");
            Assert.Equal(Options.LaunchUrl, smart.Url);
            Assert.Null(Assert.Single(card.Links!, l => l.Type == "absolute").AppContext);
            var opened = SmartAppContext.TryOpen(smart.AppContext, "memorial", Key);
            Assert.Equal(("memorial", "hook-1", card.Uuid), (opened!.Tenant, opened.HookInstance, opened.CardUuid));
            Assert.DoesNotContain("hook-1", smart.AppContext, StringComparison.Ordinal); // opaque
            Assert.True(smart.AppContext!.Length < 256, "appContext stays short");
        }
    }

    [Fact]
    public void A_context_opens_only_for_its_tenant_with_its_key_and_unaltered()
    {
        var sealedContext = SmartAppContext.Seal(new CardReference("memorial", "hook-1", "c-1", DateTimeOffset.UtcNow), Key);
        Assert.Null(SmartAppContext.TryOpen(sealedContext, "other", Key));
        Assert.Null(SmartAppContext.TryOpen(sealedContext, "memorial", SmartAppContext.NewKey()));
        for (var i = 0; i < sealedContext.Length; i += 7)
        {
            var altered = sealedContext[..i] + (sealedContext[i] == 'x' ? 'y' : 'x') + sealedContext[(i + 1)..];
            Assert.Null(SmartAppContext.TryOpen(altered, "memorial", Key));
        }
        Assert.Null(SmartAppContext.TryOpen("", "memorial", Key));
        Assert.NotNull(SmartAppContext.TryOpen(sealedContext, "memorial", Key));
    }

    [Fact]
    public void Without_a_launch_url_cards_are_sent_as_the_rules_made_them()
    {
        var cards = new[] { Card("c-1") };
        Assert.Same(cards, SmartLinks.Attach(cards, new SmartAppOptions(), "memorial", "hook-1", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void The_registration_is_validated_at_start_up_naming_the_setting()
    {
        var tenant = new Cds.Tenants.TenantSettings
        {
            Backend = new() { NonProdClientId = "backend-id" },
            SmartApp = new() { ClientId = "backend-id", ClientType = SmartClientType.Confidential, RedirectUri = "http://cds.example.org/cb", Scopes = ["system/Patient.rs", "patient/Observation.rs"] },
        };
        var problems = Cds.Fhir.Configuration.SmartAppRegistrationCheck.Problems(tenant);
        Assert.Contains(problems, p => p.StartsWith("SmartApp.ClientId is the Backend Services client's id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("SmartApp.ClientSecretEnv is empty", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("SmartApp.RedirectUri", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'system/Patient.rs' is a system scope", StringComparison.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("patient/Observation.rs", StringComparison.Ordinal));
    }
}
