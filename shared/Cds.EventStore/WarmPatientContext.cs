using Cds.Contracts;

namespace Cds.EventStore;

/// <summary>A patient context read from Epic with the backend token, reused by the next hooks (id = patient id; per tenant).</summary>
public sealed class WarmPatientContext
{
    public string Id { get; set; } = "";
    public PatientContext Context { get; set; } = null!;
    public DateTimeOffset ReadAt { get; set; }
}
