using Cds.Contracts;

namespace Cds.Hooks.HookServices;

/// <summary>
/// patient-view: care gaps (type-2 diabetes without a recent HbA1c, or above target) and critical recent labs. Also
/// warms the patient context that the order hooks use next.
/// </summary>
public static class PatientViewService
{
    public static readonly CdsService Definition = new(
        Id: HookServiceIds.PatientView,
        Hook: HookNames.PatientView,
        Title: "Care gaps and critical results",
        Description: "On chart open: type-2 diabetes care gaps (HbA1c overdue or above 9 %) and critical recent laboratory results.",
        Prefetch: PrefetchTemplates.ClinicalContext(includePatient: true),
        UsageRequirements: PrefetchTemplates.Usage);
}
