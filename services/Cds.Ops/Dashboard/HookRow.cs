namespace Cds.Ops.Dashboard;

public sealed record HookRow(DateTimeOffset ReceivedAt, string Tenant, string Hook, string HookInstance, double? LatencyMs, int Cards, string? Source, bool DeadlineMissed);
