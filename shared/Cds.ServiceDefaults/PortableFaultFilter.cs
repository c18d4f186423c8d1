using Cds.EventStore;
using MassTransit;

namespace Cds.ServiceDefaults;

/// <summary>Replaces any exception but a cancellation leaving the consumer with a <see cref="PortableException"/>.</summary>
internal sealed class PortableFaultFilter<TConsumer, TMessage> : IFilter<ConsumerConsumeContext<TConsumer, TMessage>>
    where TConsumer : class
    where TMessage : class
{
    public async Task Send(ConsumerConsumeContext<TConsumer, TMessage> context, IPipe<ConsumerConsumeContext<TConsumer, TMessage>> next)
    {
        try
        {
            await next.Send(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or PortableException))
        {
            throw PortableException.From(ex);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("portable-faults");
}
