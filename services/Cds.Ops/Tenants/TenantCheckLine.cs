namespace Cds.Ops.Tenants;

/// <summary>One line of <c>tenants check</c>: a tenant, what was checked, the verdict and a reason a person can act on.</summary>
public sealed record TenantCheckLine(string Tenant, string Check, CheckStatus Status, string Detail)
{
    public override string ToString() => $"{Status.ToString().ToUpperInvariant(),-4}  {Tenant,-12} {Check,-20} {Detail}";
}
