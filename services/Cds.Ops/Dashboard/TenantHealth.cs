using Cds.Ops.Tenants;

namespace Cds.Ops.Dashboard;

public sealed record TenantHealth(string Tenant, bool Healthy, DateTimeOffset? CheckedAt, IReadOnlyList<TenantCheckLine> Lines);
