using Cds.Rules;
using Cds.EventStore;

namespace Cds.Enrichment.Context;

/// <summary>
/// Says on each card how old its data is when it is not fresh (an order hook evaluated on a context older than
/// <c>Enrichment:OrderTimeMaxAge</c> because Epic could not be read again): the clinician must not take it for current.
/// </summary>
public static class StaleDataNotice
{
    public static IReadOnlyList<RuleOutcome> Apply(IReadOnlyList<RuleOutcome> outcomes, PatientDataUsed data)
    {
        if (!data.Stale || data.AgeSeconds is not { } seconds)
        {
            return outcomes;
        }

        var text = $"_Based on chart data read from Epic {HookTimelineProjection.Age(seconds)} ago: Epic could not be read again for this order, "
            + "so newer allergies, medications or results may be missing._";
        var evidence = $"data-age={seconds:0}s";
        return
        [
            .. outcomes.Select(o => o with
            {
                Card = o.Card with { Detail = string.IsNullOrEmpty(o.Card.Detail) ? text : o.Card.Detail + "\n\n" + text },
                Finding = o.Finding with { Evidence = [.. o.Finding.Evidence, evidence] },
            }),
        ];
    }
}
