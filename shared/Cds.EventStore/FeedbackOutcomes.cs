namespace Cds.EventStore;

/// <summary>Feedback outcomes (CDS Hooks 2.0 §Feedback), as read from Epic and stored on <see cref="FeedbackReceived"/>.</summary>
public static class FeedbackOutcomes
{
    public const string Accepted = "accepted";
    public const string Overridden = "overridden";
}
