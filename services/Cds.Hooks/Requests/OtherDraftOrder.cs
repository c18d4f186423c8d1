using Hl7.Fhir.Model;

namespace Cds.Hooks.Requests;

/// <summary>A draft order that is not a medication (ServiceRequest, NutritionOrder, …): kept, not turned into a DraftMedication.</summary>
public sealed record OtherDraftOrder(string ResourceType, string? Id, Resource Resource);
