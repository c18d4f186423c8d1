namespace Cds.Contracts;

/// <summary>A medication being ordered (a draft MedicationRequest in draftOrders), its Medication resolved.</summary>
public sealed record DraftMedication(string? RequestId, IReadOnlyList<ClinicalCode> Codes, string? Text);
