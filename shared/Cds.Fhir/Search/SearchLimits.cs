namespace Cds.Fhir.Search;

/// <summary>The limits of one search call (defaults from the tenant's Search section).</summary>
public sealed record SearchLimits(int MaxPages, int MaxResources, long MaxBytes);
