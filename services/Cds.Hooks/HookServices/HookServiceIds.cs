namespace Cds.Hooks.HookServices;

public static class HookServiceIds
{
    public const string PatientView = "cds-patient-view";
    public const string OrderSelect = "cds-order-select";
    public const string OrderSign = "cds-order-sign";

    public static readonly IReadOnlyList<CdsService> All =
    [
        PatientViewService.Definition,
        OrderSelectService.Definition,
        OrderSignService.Definition,
    ];
}
