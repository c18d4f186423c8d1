namespace Cds.EventStore;

/// <summary>
/// A consumer's failure as it may travel on the bus. MassTransit copies each exception's <see cref="Exception.Data"/>,
/// inner exceptions' included, into the <c>Fault</c> it sends the requester. Marten puts the failed NpgsqlCommand or
/// NpgsqlBatch there (its parameters are the event JSON: patient ids, cards) and PostgreSQL its error fields (Detail can
/// quote row values): the batch cannot be serialized, so the fault is never sent (<c>S-FAULT … Failed to serialize
/// message</c>) and the requester waits out its own timeout. This stands in for such an exception: the types and the
/// SQL state (<see cref="StoreFailures.Describe"/>) and the original stack trace, no inner exception, no data.
/// </summary>
public sealed class PortableException : Exception
{
    private PortableException(Exception original)
        : base("Consumer failed: " + StoreFailures.Describe(original)) => StackTrace = original.StackTrace;

    public override string? StackTrace { get; }

    /// <summary>True when the exception or one of its inner exceptions carries data that a fault would copy.</summary>
    public static bool Needed(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e.Data.Count > 0)
            {
                return true;
            }
        }
        return false;
    }

    public static PortableException From(Exception original) => new(original);
}
