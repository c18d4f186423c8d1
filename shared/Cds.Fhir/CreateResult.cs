using Hl7.Fhir.Model;

namespace Cds.Fhir;

/// <summary>Outcome of a create: <see cref="Created"/> is false when <c>If-None-Exist</c> matched an existing resource (HTTP 200).</summary>
public sealed record CreateResult<T>(T? Resource, bool Created, int StatusCode, string? Id, string? Location) where T : Resource;
