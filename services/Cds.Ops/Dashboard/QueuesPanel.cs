using Cds.Ops.Rabbit;

namespace Cds.Ops.Dashboard;

public sealed record QueuesPanel(string VirtualHost, IReadOnlyList<QueueStatus> Queues, long ErrorMessages);
