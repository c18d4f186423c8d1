using MassTransit;

namespace Cds.EventStore;

/// <summary>
/// A consumer's failure as it may travel on the bus. MassTransit copies each exception's <see cref="Exception.Data"/>,
/// inner exceptions' included, into the <c>Fault</c> it sends the requester or publishes, and the innermost exception's
/// message into the <c>_error</c> queue's headers. Marten puts the failed NpgsqlCommand or NpgsqlBatch there (its
/// parameters are the event JSON: patient ids, cards) and PostgreSQL its error fields (Detail can quote row values):
/// the batch cannot be serialized, so the fault is never sent (<c>S-FAULT … Failed to serialize message</c>) and the
/// error headers name MassTransit's own TypeLoadException instead of the cause. This stands in for any exception leaving
/// a consumer (the bus registration's consume filter throws it): the types and the SQL state
/// (<see cref="StoreFailures.Describe"/>) and the original stack trace, no inner exception, no data, no message.
/// </summary>
public sealed class PortableException : Exception
{
    /// <summary>What the message starts with; the rest is <see cref="StoreFailures.Describe"/> of the original.</summary>
    public const string Prefix = "Consumer failed: ";

    private PortableException(Exception original)
        : base(Prefix + StoreFailures.Describe(original))
    {
        StackTrace = original.StackTrace;
        OriginalType = original.GetType();
        SqlState = StoreFailures.SqlState(original);
    }

    public override string? StackTrace { get; }

    /// <summary>The type of the exception this stands in for: what a retry rule tells failures apart by.</summary>
    public Type OriginalType { get; }

    /// <summary>PostgreSQL's SQL state of the original failure, if PostgreSQL answered one.</summary>
    public string? SqlState { get; }

    public static PortableException From(Exception original) => new(original);

    /// <summary>
    /// A fault's exception as a person reads it: the original types and SQL state for a portable one, else the short
    /// type name.
    /// </summary>
    public static string Cause(ExceptionInfo? error) => error switch
    {
        null => "unknown error",
        _ when error.ExceptionType == typeof(PortableException).FullName && error.Message?.StartsWith(Prefix, StringComparison.Ordinal) == true =>
            error.Message[Prefix.Length..],
        _ => error.ExceptionType is { } type ? type[(type.LastIndexOf('.') + 1)..] : "unknown error",
    };
}
