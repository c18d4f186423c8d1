using System.Text.Json;
using Cds.Contracts;
using Cds.Rules;
using Xunit;

namespace Cds.Enrichment.Tests;

/// <summary>Checks applied to every card a test produces.</summary>
internal static class CardAssert
{
    public static void EpicCompatible(IReadOnlyList<RuleOutcome> outcomes)
    {
        foreach (var (card, finding) in outcomes)
        {
            Assert.Empty(EpicCardRules.Violations(card));
            NoNulls(JsonSerializer.SerializeToElement(card, CdsJson.Options), "card");
            Assert.Equal(card.Uuid, finding.CardUuid);
            Assert.Equal(card.Summary, finding.Summary);
            Assert.Equal(card.Indicator, finding.Indicator);
            Assert.Equal(card.Source.Topic!.Code, finding.TopicCode);
            Assert.NotEmpty(finding.Evidence);
            if (card.Indicator is Indicators.Warning or Indicators.Critical)
            {
                Assert.NotNull(card.OverrideReasons);
                Assert.NotEmpty(card.OverrideReasons!);
            }

            if (card.Indicator == Indicators.Critical)
            {
                Assert.True(finding.FlagForDocumentation);
            }
        }

        var uuids = outcomes.SelectMany(o => (o.Card.Suggestions ?? []).Select(s => s.Uuid).Append(o.Card.Uuid)).ToList();
        Assert.Equal(uuids.Count, uuids.Distinct(StringComparer.Ordinal).Count());
    }

    public static void NoNulls(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.Fail($"{path} is null");
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    NoNulls(property.Value, $"{path}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    NoNulls(item, $"{path}[{i++}]");
                }

                break;
        }
    }
}
