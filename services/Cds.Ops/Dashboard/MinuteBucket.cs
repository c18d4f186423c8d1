namespace Cds.Ops.Dashboard;

public sealed record MinuteBucket(DateTimeOffset Minute, int Count, double? P95Ms);
