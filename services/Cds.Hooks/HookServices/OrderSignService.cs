using Cds.Contracts;

namespace Cds.Hooks.HookServices;

/// <summary>order-sign: the same medication safety checks as order-select, on everything about to be signed.</summary>
public static class OrderSignService
{
    public static readonly CdsService Definition = new(
        Id: HookServiceIds.OrderSign,
        Hook: HookNames.OrderSign,
        Title: "Medication safety before signing",
        Description: "Before orders are signed: allergy, duplicate therapy and renal dosing checks on every drafted medication.",
        Prefetch: PrefetchTemplates.ClinicalContext(includePatient: false),
        UsageRequirements: PrefetchTemplates.Usage);
}
