namespace Cds.Fhir.Http;

/// <summary>
/// What the current FHIR call is about (tenant, resource type, interaction) and its byte budget. Set by
/// <see cref="EpicFhirClient"/> around each Firely call and read by the tenant's message handlers, because an opaque
/// Epic <c>next</c> link says neither the resource type nor the interaction.
/// </summary>
internal sealed class FhirCallScope
{
    private static readonly AsyncLocal<FhirCallScope?> CurrentScope = new();

    public FhirCallScope(string resource, FhirInteraction interaction, long? byteBudget = null)
    {
        Resource = resource;
        Interaction = interaction;
        ByteBudget = byteBudget;
    }

    public static FhirCallScope? Current => CurrentScope.Value;

    public string Resource { get; }
    public FhirInteraction Interaction { get; }

    /// <summary>Bytes that all successful responses of this call may total; null = unbounded.</summary>
    public long? ByteBudget { get; }

    private long _bytesRead;
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public void AddBytes(long n) => Interlocked.Add(ref _bytesRead, n);

    /// <summary>Status of the last HTTP answer seen (after retries), for error translation.</summary>
    public int? LastStatus { get; set; }

    /// <summary>Seconds asked by the last <c>Retry-After</c> header, if any.</summary>
    public double? LastRetryAfterSeconds { get; set; }

    public static IDisposable Enter(FhirCallScope scope)
    {
        var previous = CurrentScope.Value;
        CurrentScope.Value = scope;
        return new Restore(previous);
    }

    private sealed class Restore(FhirCallScope? previous) : IDisposable
    {
        public void Dispose() => CurrentScope.Value = previous;
    }
}
