using Marten.Exceptions;
using Npgsql;

namespace Cds.EventStore;

/// <summary>Tells "the database is unreachable" (degrade, retry later) from a bug (let it surface).</summary>
public static class StoreFailures
{
    public static bool IsUnavailable(Exception ex) =>
        ex is NpgsqlException or TimeoutException
        || (ex is MartenCommandException && ex.InnerException is NpgsqlException or TimeoutException)
        || ex.InnerException is NpgsqlException;
}
