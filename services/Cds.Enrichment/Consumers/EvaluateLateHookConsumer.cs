using Cds.Contracts;
using MassTransit;

namespace Cds.Enrichment.Consumers;

/// <summary>
/// The late queue (<see cref="EvaluateLateHook"/>): evaluations whose hook answered before a worker took them. Nobody
/// waits for the answer; the record is the result (the patient's next hook shows it), so a store failure faults and the
/// bus retries it, then parks it in the <c>_error</c> queue.
/// </summary>
public sealed class EvaluateLateHookConsumer(EvaluateHookConsumer evaluator) : IConsumer<EvaluateLateHook>
{
    public Task Consume(ConsumeContext<EvaluateLateHook> context) => evaluator.EvaluateAsync(context.Message.Request, context.CancellationToken);
}
