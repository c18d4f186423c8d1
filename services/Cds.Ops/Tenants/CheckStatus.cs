namespace Cds.Ops.Tenants;

public enum CheckStatus
{
    Pass,
    Fail,
    Skip,
}
