namespace Cds.EventStore;

/// <summary>One document per card we issued: feedback finds its hook (and patient) by the card's uuid.</summary>
public sealed class IssuedCard
{
    /// <summary>The card uuid.</summary>
    public string Id { get; set; } = "";
    public string HookInstance { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string? EncounterId { get; set; }
    public string? UserId { get; set; }
    public string? TopicCode { get; set; }
    public string Indicator { get; set; } = "";
    public string Summary { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
}
