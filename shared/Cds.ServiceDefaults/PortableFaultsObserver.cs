using Cds.EventStore;
using MassTransit;

namespace Cds.ServiceDefaults;

/// <summary>
/// Puts <see cref="PortableFaultFilter{TConsumer,TMessage}"/> innermost in the pipe of every consumer of an endpoint,
/// so whatever a consumer throws leaves it as a <see cref="PortableException"/>. It has to sit inside MassTransit's
/// consumer filter: that filter records the exception it catches for the <c>Fault</c> (held by the retry filter until
/// the retries are spent), and the same exception then reaches the <c>_error</c> queue's <c>MT-Fault-*</c> headers.
/// The retry filter, outside, sees the <see cref="PortableException"/> too: a retry rule that tells failures apart
/// matches on <see cref="PortableException.OriginalType"/> or <see cref="PortableException.SqlState"/>.
/// </summary>
internal sealed class PortableFaultsObserver : IConsumerConfigurationObserver
{
    public void ConsumerConfigured<TConsumer>(IConsumerConfigurator<TConsumer> configurator)
        where TConsumer : class
    {
    }

    public void ConsumerMessageConfigured<TConsumer, TMessage>(IConsumerMessageConfigurator<TConsumer, TMessage> configurator)
        where TConsumer : class
        where TMessage : class =>
        configurator.UseFilter(new PortableFaultFilter<TConsumer, TMessage>());
}
