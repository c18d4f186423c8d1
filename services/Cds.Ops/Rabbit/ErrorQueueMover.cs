using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Cds.Ops.Rabbit;

/// <summary>
/// Moves messages from <c>X_error</c> back to <c>X</c>, one at a time, never losing one: get with manual ack →
/// publish (persistent, mandatory) to the original queue and wait for the broker's confirm → ack the original.
/// A failed publish (nack, unroutable, connection lost) leaves the message in the error queue.
/// </summary>
public sealed class ErrorQueueMover
{
    /// <summary>Headers MassTransit adds when it moves a message to <c>_error</c>; removed on the way back.</summary>
    public static bool IsFaultHeader(string name) =>
        name.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase) || name.Equals("MT-Reason", StringComparison.OrdinalIgnoreCase);

    private readonly Uri _amqp;

    public ErrorQueueMover(Uri amqp) => _amqp = amqp;

    public static string ErrorQueueName(string queue) =>
        queue.EndsWith(QueueStatus.ErrorSuffix, StringComparison.Ordinal) ? queue : queue + QueueStatus.ErrorSuffix;

    /// <summary>
    /// Moves at most <paramref name="max"/> messages (null: as many as the error queue held when the move began, so
    /// a message that fails again is not looped forever). <paramref name="onMoved"/> is told each move.
    /// </summary>
    public async Task<RedeliveryResult> RedeliverAsync(string virtualHost, string queue, int? max, bool stripFaultHeaders,
        Action<int, string?>? onMoved = null, CancellationToken ct = default)
    {
        var errorQueue = ErrorQueueName(queue);
        var target = errorQueue[..^QueueStatus.ErrorSuffix.Length];
        var factory = Factory(virtualHost);
        await using var connection = await factory.CreateConnectionAsync("cds-ops redeliver", ct);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);

        // Both queues must exist: a passive declare throws (and closes the channel) when one does not.
        var errorInfo = await PassiveAsync(connection, errorQueue, ct)
            ?? throw new InvalidOperationException($"queue '{errorQueue}' does not exist in virtual host '{virtualHost}'");
        if (await PassiveAsync(connection, target, ct) is null)
        {
            throw new InvalidOperationException($"queue '{target}' does not exist in virtual host '{virtualHost}': nothing to redeliver to (start its consumer once so MassTransit declares it)");
        }
        var limit = max ?? (int)Math.Min(int.MaxValue, errorInfo.MessageCount);
        var moved = 0;
        while (moved < limit)
        {
            ct.ThrowIfCancellationRequested();
            var message = await channel.BasicGetAsync(errorQueue, autoAck: false, ct);
            if (message is null)
            {
                return new RedeliveryResult(errorQueue, target, moved, "error queue is empty");
            }
            var properties = new BasicProperties(message.BasicProperties) { Persistent = true };
            if (stripFaultHeaders && properties.Headers is { } headers)
            {
                properties.Headers = headers.Where(h => !IsFaultHeader(h.Key)).ToDictionary(h => h.Key, h => h.Value);
            }
            try
            {
                // Default exchange, routing key = queue name: straight into the consumer's queue, confirmed.
                await channel.BasicPublishAsync("", target, mandatory: true, properties, message.Body, ct);
            }
            catch (PublishException ex)
            {
                await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
                return new RedeliveryResult(errorQueue, target, moved,
                    ex.IsReturn ? $"the broker could not route to '{target}'; message left in {errorQueue}" : $"the broker refused the publish; message left in {errorQueue}",
                    Interrupted: true);
            }
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
            moved++;
            onMoved?.Invoke(moved, message.BasicProperties.MessageId);
        }
        return new RedeliveryResult(errorQueue, target, moved, max is null ? "every message present at the start was moved" : $"limit of {limit} reached");
    }

    private static async Task<QueueDeclareOk?> PassiveAsync(IConnection connection, string queue, CancellationToken ct)
    {
        await using var probe = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            return await probe.QueueDeclarePassiveAsync(queue, ct);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private ConnectionFactory Factory(string virtualHost)
    {
        var parts = _amqp.UserInfo.Split(':', 2);
        return new ConnectionFactory
        {
            HostName = _amqp.Host,
            Port = _amqp.IsDefaultPort || _amqp.Port <= 0 ? 5672 : _amqp.Port,
            VirtualHost = virtualHost,
            UserName = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : "guest",
            Password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "guest",
            Ssl = { Enabled = _amqp.Scheme == "amqps", ServerName = _amqp.Host },
            AutomaticRecoveryEnabled = false,
        };
    }

    public static ErrorQueueMover FromUri(Uri amqp) => new(amqp);
}
