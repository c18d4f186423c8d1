namespace Cds.Fhir;

/// <summary>A tenant's circuit breaker state as exported in <c>cds.fhir.circuit.state</c>.</summary>
public enum CircuitState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}
