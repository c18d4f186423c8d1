using Cds.Contracts;

namespace Cds.Hooks.HookServices;

/// <summary>order-select: drug–allergy, duplicate therapy and renal dosing checks on the medication being picked.</summary>
public static class OrderSelectService
{
    public static readonly CdsService Definition = new(
        Id: HookServiceIds.OrderSelect,
        Hook: HookNames.OrderSelect,
        Title: "Medication safety while ordering",
        Description: "While a medication is selected: allergy to the drug or its class, duplicate therapy (same ingredient or class), "
            + "and renal dose adjustment for a low eGFR.",
        Prefetch: PrefetchTemplates.ClinicalContext(includePatient: false),
        UsageRequirements: PrefetchTemplates.Usage);
}
