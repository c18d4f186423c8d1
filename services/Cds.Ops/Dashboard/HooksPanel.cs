using Cds.Ops.Timeline;

namespace Cds.Ops.Dashboard;

public sealed record HooksPanel(IReadOnlyList<HookStats> Stats, IReadOnlyList<MinuteBucket> PerMinute, IReadOnlyList<HookRow> Recent);
