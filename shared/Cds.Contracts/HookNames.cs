namespace Cds.Contracts;

/// <summary>Hooks the platform serves. The names are the CDS Hooks hook names.</summary>
public static class HookNames
{
    public const string PatientView = "patient-view";
    public const string OrderSelect = "order-select";
    public const string OrderSign = "order-sign";
}
