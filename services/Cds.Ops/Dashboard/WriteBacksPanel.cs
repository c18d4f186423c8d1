using Cds.Ops.Timeline;

namespace Cds.Ops.Dashboard;

public sealed record WriteBacksPanel(string Source, IReadOnlyList<RecentWriteBack> Items);
