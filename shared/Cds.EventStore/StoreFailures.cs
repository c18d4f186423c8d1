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

    /// <summary>
    /// The store is unreachable or there but refusing this work now — not wrong. Npgsql's own failures (connection
    /// refused, reset, timed out) and PostgreSQL's connection (08), operator-intervention (57: terminated, shutting
    /// down, statement timeout), resource (53: disk full, out of memory, too many connections), system (58: I/O),
    /// authorization (28) and transient-rollback (40001 serialization, 40P01 deadlock, 55P03 lock not available)
    /// classes, 42501 permission denied and 25006 read-only transaction. Everything else PostgreSQL says (a constraint,
    /// a data or schema error, an internal error) and any other exception is a bug or a race, not an outage.
    /// </summary>
    public static bool IsUnavailableOrRefusing(Exception ex)
    {
        if (Postgres(ex) is { } pg)
        {
            var state = pg.SqlState;
            return state.Length == 5 && (state[..2] is "08" or "28" or "53" or "57" or "58"
                || state is "42501" or "25006" or "40001" or "40P01" or "55P03");
        }
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException or TimeoutException)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>PostgreSQL's SQL state of the failure, if PostgreSQL answered one.</summary>
    public static string? SqlState(Exception ex) => Postgres(ex)?.SqlState;

    /// <summary>
    /// The failure as a log line or a fault may carry it: the exception types, outermost first, and the SQL state —
    /// no message (Marten's holds the statement, PostgreSQL's detail can quote row values), no data.
    /// </summary>
    public static string Describe(Exception ex)
    {
        var types = new List<string>();
        for (var e = ex; e is not null && types.Count < 6; e = e.InnerException)
        {
            types.Add(e.GetType().Name);
        }
        return string.Join(" ← ", types) + (SqlState(ex) is { } state ? $" (SQL state {state})" : "");
    }

    private static PostgresException? Postgres(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is PostgresException pg)
            {
                return pg;
            }
        }
        return null;
    }
}
