using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cds.Hooks.Tests.Requests;

public sealed class EpicCardRulesTests
{
    private static Card Good() => new()
    {
        Uuid = "0b6f4d0e-7d0b-4b43-9a62-3c8b1c1b7a01",
        Summary = "Penicillin allergy on file",
        Indicator = Indicators.Critical,
        Source = new CardSource { Label = "Allergy rules", Topic = new Coding { System = "urn:cds-platform:topic", Code = "drugAllergy01" } },
        SelectionBehavior = "any",
        Suggestions = [new Suggestion { Label = "Cancel order", Uuid = "6f0c2a4e-1b9f-4f7c-8e0d-2a1b3c4d5e6f", Actions = [new CardAction { Type = "delete", Description = "Remove", ResourceId = "MedicationRequest/1" }] }],
        OverrideReasons = [new OverrideReason { Code = "aware", System = "urn:cds-platform:override-reason", Display = "Patient aware" }],
    };

    [Fact]
    public void A_card_that_fits_Epic_has_no_violations() =>
        Assert.Empty(EpicCardRules.Violations(CdsHookResponse.From([Good()])));

    [Fact]
    public void Each_Epic_rule_is_checked()
    {
        var bad = Good() with
        {
            Uuid = "",
            Summary = new string('s', 140),
            Indicator = "hard-stop",
            Source = new CardSource { Label = "x", Topic = new Coding { Code = "drug-allergy" } },
            SelectionBehavior = "at-most-one",
            Suggestions = [new Suggestion { Label = "", Uuid = "", Actions = [new CardAction { Type = "create", Description = "a" }, new CardAction { Type = "create", Description = "b" }] }],
            OverrideReasons = [new OverrideReason { Code = "x", System = "urn:x", Display = " " }],
            Detail = "<p>html</p>",
        };
        var resource = JsonDocument.Parse("""{"resourceType":"MedicationRequest"}""").RootElement;
        var violations = EpicCardRules.Violations(CdsHookResponse.From([bad], [new CardAction { Type = "update", Description = "x", Resource = resource }]));
        Assert.Equal(12, violations.Count);
        Assert.Contains(violations, v => v.Contains("source.topic.system"));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("MedicationRequest/1 MedicationRequest/2")]
    [InlineData(null)]
    public void A_delete_action_names_one_resource_by_relative_reference(string? resourceId)
    {
        var good = Good();
        var suggestion = good.Suggestions![0];
        var bad = good with { Suggestions = [suggestion with { Actions = [suggestion.Actions![0] with { ResourceId = resourceId }] }] };

        Assert.Contains(EpicCardRules.Violations(CdsHookResponse.From([bad])), v => v.Contains("resourceId"));
    }

    [Fact]
    public void Request_maps_to_the_EvaluateHook_message()
    {
        var context = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/epic-order-context-draftOrders-with-medication-entries.json"))!["context"]!.DeepClone();
        var request = SharedExamples.ReadRequest(SharedExamples.Envelope(HookNames.OrderSign, context), HookNames.OrderSign).Request!;
        var at = DateTimeOffset.Parse("2026-11-28T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var service = Cds.Hooks.HookServices.OrderSignService.Definition;
        var message = HookInvocation.From(request, "tenant-a", service, context: null, prefetch: null, stripped: false)
            .ToEvaluateHook(at, TimeSpan.FromMilliseconds(800), []);
        Assert.Equal("cds-order-sign", message.ServiceId);
        Assert.Equal(at.AddMilliseconds(800), message.Deadline);
        Assert.Equal(SharedExamples.HookInstance, message.HookInstance);
        Assert.Equal(HookNames.OrderSign, message.Hook);
        Assert.Equal("eXoGxqgBaJuNkuahMYmiDhg3", message.PatientId);
        Assert.Equal("PractitionerRole/e-QokEGUJIzyynNdkCFrs9w3", message.UserId);
        Assert.Equal("eAJ9U5Zv9Vzeg4lBWxmAQcItP6nlidE0QacJVtVudEQ43", message.EncounterId);
        Assert.Equal(2, message.DraftMedications.Count);
    }

    [Fact]
    public void Reader_options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CdsHooks:Requests:MaxDepth"] = "32",
            ["CdsHooks:Requests:MaxArrayItems"] = "500",
            ["CdsHooks:Requests:MaxBodyBytes"] = "65536",
            ["CdsHooks:Requests:InvalidPrefetch"] = "TreatAsMissing",
        }).Build();
        using var provider = new ServiceCollection().AddHookRequestReading(configuration).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<HookRequestReaderOptions>>().Value;
        Assert.Equal(32, options.MaxDepth);
        Assert.Equal(500, options.MaxArrayItems);
        Assert.Equal(65536, options.MaxBodyBytes);
        Assert.Equal(InvalidPrefetchHandling.TreatAsMissing, options.InvalidPrefetch);
        Assert.NotNull(provider.GetRequiredService<HookRequestMetrics>());
    }
}

public sealed class WarmUpTests
{
    [Theory]
    [InlineData(HookNames.PatientView)]
    [InlineData(HookNames.OrderSelect)]
    [InlineData(HookNames.OrderSign)]
    public void Warm_up_samples_are_valid_requests(string hook)
    {
        var result = SharedExamples.ReadRequest(HookReaderWarmUp.SampleRequest(hook), hook);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        if (hook != HookNames.PatientView)
            Assert.Equal("warm-up", Assert.Single(result.Request!.ContextData.DraftOrders!.Medications).Text);
    }

    [Fact]
    public void Warm_up_runs_and_is_registered()
    {
        Assert.True(HookReaderWarmUp.Run() > TimeSpan.Zero);
        var services = new ServiceCollection().AddHookRequestReading(new ConfigurationBuilder().Build());
        Assert.Contains(services, d => d.ImplementationType == typeof(HookReaderWarmUp));
    }
}
