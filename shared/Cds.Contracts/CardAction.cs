using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cds.Contracts;

public sealed record CardAction
{
    /// <summary>create, update or delete.</summary>
    public required string Type { get; init; }
    public required string Description { get; init; }
    /// <summary>The FHIR resource for create/update, as JSON.</summary>
    public JsonElement? Resource { get; init; }
    /// <summary>
    /// For delete: one relative reference such as <c>MedicationRequest/123</c> — a string, not a list (CDS Hooks 2.0
    /// "Action", requirement 135). One delete action removes one resource.
    /// </summary>
    [JsonConverter(typeof(ResourceIdConverter))]
    public string? ResourceId { get; init; }
}
