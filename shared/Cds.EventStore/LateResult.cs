using Cds.Contracts;

namespace Cds.EventStore;

/// <summary>
/// An evaluation that finished after its hook had answered, waiting to be shown on the patient's next hook
/// (patient-view → order-select, order-select → order-sign). Id = patient id (per tenant); the newest wins.
/// </summary>
public sealed class LateResult
{
    public string Id { get; set; } = "";
    public string HookInstance { get; set; } = "";
    public string Hook { get; set; } = "";
    public List<Card> Cards { get; set; } = [];
    /// <summary>The findings behind <see cref="Cards"/> (by card uuid): what snooze after override is decided on.</summary>
    public List<Finding> Findings { get; set; } = [];
    public DateTimeOffset CompletedAt { get; set; }
}
