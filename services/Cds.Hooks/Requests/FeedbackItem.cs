using Cds.EventStore;

namespace Cds.Hooks.Requests;

/// <summary>One feedback item. Card ids are any non-empty string (Epic's are not always UUIDs).</summary>
public sealed record FeedbackItem
{
    /// <summary>Position in the body (after flattening batches), for messages.</summary>
    public required int Index { get; init; }
    public required string Card { get; init; }
    /// <summary><see cref="FeedbackOutcomes.Accepted"/> or <see cref="FeedbackOutcomes.Overridden"/> (lower case).</summary>
    public required string Outcome { get; init; }
    public required DateTimeOffset OutcomeTimestamp { get; init; }
    public IReadOnlyList<string> AcceptedSuggestionIds { get; init; } = [];
    public IReadOnlyList<FeedbackOverrideReason> OverrideReasons { get; init; } = [];
    /// <summary>The item's <c>extension</c> keys (raw values).</summary>
    public IReadOnlyDictionary<string, string> Extension { get; init; } = new Dictionary<string, string>();
    /// <summary>Stable across re-sends of the same feedback: store each item once under this key (see <see cref="FeedbackReader.IdempotencyKey"/>).</summary>
    public required string IdempotencyKey { get; init; }
}
