namespace Cds.Ops.Timeline;

/// <summary>One write-back (or, when the write-back service has recorded none, one feedback item) for the dashboard.</summary>
public sealed record RecentWriteBack(DateTimeOffset At, string Tenant, string HookInstance, string What, string Detail);
