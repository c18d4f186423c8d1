using System.Text.Json;
using Cds.Contracts;
using Microsoft.AspNetCore.Http;

namespace Cds.Hooks.Requests;

/// <summary>
/// The CDS Hooks response envelope: <c>{ "cards": [...], "systemActions": [...] }</c>, written with
/// <see cref="CdsJson.Options"/> (camelCase, no nulls). <c>cards</c> is always present (empty = no guidance);
/// <c>systemActions</c> only when there are some. Empty optional lists inside cards are dropped (docs/epic-behaviours.md item 14).
/// </summary>
public sealed record CdsHookResponse
{
    public IReadOnlyList<Card> Cards { get; init; } = [];
    /// <summary>Epic applies only updates of a ServiceRequest that is in draftOrders (docs/epic-behaviours.md item 13); the rules decide.</summary>
    public IReadOnlyList<CardAction>? SystemActions { get; init; }

    public static CdsHookResponse Empty { get; } = new();

    public static CdsHookResponse From(IEnumerable<Card> cards, IEnumerable<CardAction>? systemActions = null) =>
        new() { Cards = cards.ToList(), SystemActions = systemActions?.ToList() };

    /// <summary>The envelope as sent: nulls and empty optional members removed, cards kept even when empty.</summary>
    public CdsHookResponse Normalized() => new()
    {
        Cards = Cards.Select(NormalizeCard).ToList(),
        SystemActions = SystemActions is { Count: > 0 } actions ? actions : null,
    };

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(Normalized(), CdsJson.Options);

    public string ToJson() => JsonSerializer.Serialize(Normalized(), CdsJson.Options);

    /// <summary>A 200 <c>application/json</c> result with this envelope.</summary>
    public IResult ToResult() => Results.Bytes(ToUtf8Json(), "application/json");

    private static Card NormalizeCard(Card card) => card with
    {
        Suggestions = card.Suggestions is { Count: > 0 } s ? s.Select(NormalizeSuggestion).ToList() : null,
        OverrideReasons = card.OverrideReasons is { Count: > 0 } o ? o : null,
        Links = card.Links is { Count: > 0 } l ? l : null,
        Extension = card.Extension is { Count: > 0 } e ? e : null,
        Detail = string.IsNullOrEmpty(card.Detail) ? null : card.Detail,
    };

    private static Suggestion NormalizeSuggestion(Suggestion suggestion) => suggestion with
    {
        Actions = suggestion.Actions is { Count: > 0 } a ? a : null,
    };
}
