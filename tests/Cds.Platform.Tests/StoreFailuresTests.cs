using System.Text.Json;
using Cds.EventStore;
using Marten.Exceptions;
using MassTransit.Events;
using Npgsql;

namespace Cds.Platform.Tests;

/// <summary>Which store failures the enrichment consumer degrades on, and what of a failure travels on the bus.</summary>
public sealed class StoreFailuresTests
{
    [Theory]
    [InlineData("42501", true)] // insufficient_privilege: the store refuses the write
    [InlineData("25006", true)] // read_only_sql_transaction (a standby, a read-only failover)
    [InlineData("53100", true)] // disk_full
    [InlineData("53300", true)] // too_many_connections
    [InlineData("57P01", true)] // admin_shutdown: the backend was terminated
    [InlineData("57014", true)] // query_canceled (statement timeout)
    [InlineData("08006", true)] // connection_failure
    [InlineData("40001", true)] // serialization_failure
    [InlineData("23505", false)] // unique_violation: a race or a bug, not an outage
    [InlineData("42P01", false)] // undefined_table
    [InlineData("22P02", false)] // invalid_text_representation
    [InlineData("XX000", false)] // internal_error
    public void PostgreSQL_errors_are_outages_only_by_their_class(string sqlState, bool outage)
    {
        var pg = new PostgresException("m", "ERROR", "ERROR", sqlState);
        Assert.Equal(outage, StoreFailures.IsUnavailableOrRefusing(pg));
        Assert.Equal(outage, StoreFailures.IsUnavailableOrRefusing(new MartenCommandException(null, pg)));
    }

    [Fact]
    public void Npgsql_and_timeouts_are_outages_other_exceptions_are_not()
    {
        Assert.True(StoreFailures.IsUnavailableOrRefusing(new NpgsqlException("Failed to connect", new IOException())));
        Assert.True(StoreFailures.IsUnavailableOrRefusing(new MartenCommandException(null, new TimeoutException())));
        Assert.False(StoreFailures.IsUnavailableOrRefusing(new InvalidOperationException("a bug")));
        Assert.False(StoreFailures.IsUnavailableOrRefusing(new MartenCommandException(null, new InvalidOperationException("a bug"))));
    }

    [Fact]
    public void A_portable_exception_carries_types_SQL_state_and_stack_but_no_data()
    {
        // What Marten throws: PostgreSQL's fields in Data (Detail may quote a row), the failed batch (its parameters
        // are the event JSON) in the inner exception's Data, the statement in the message.
        var pg = new PostgresException("permission denied for table mt_events", "ERROR", "ERROR", "42501", detail: "Key (id)=(patient-123)");
        pg.Data["NpgsqlBatch"] = new NpgsqlBatch();
        Exception original;
        try
        {
            throw new MartenCommandException(null, pg);
        }
        catch (MartenCommandException ex)
        {
            original = ex;
        }
        var portable = PortableException.From(original);
        Assert.Equal(original.StackTrace, portable.StackTrace);
        Assert.Null(portable.InnerException);
        Assert.Empty(portable.Data);
        Assert.Contains("MartenCommandException", portable.Message, StringComparison.Ordinal);
        Assert.Contains("PostgresException", portable.Message, StringComparison.Ordinal);
        Assert.Contains("42501", portable.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("patient-123", portable.Message, StringComparison.Ordinal);
        Assert.Equal(typeof(MartenCommandException), portable.OriginalType);
        Assert.Equal("42501", portable.SqlState);

        // What MassTransit puts in the Fault: nothing but strings.
        var info = new FaultExceptionInfo(portable);
        Assert.Null(info.Data);
        Assert.Null(info.InnerException);
        var json = JsonSerializer.Serialize(info);
        Assert.DoesNotContain("patient-123", json, StringComparison.Ordinal);
        // What the write-back fault consumer and ops read back: the original types and SQL state.
        Assert.Equal("MartenCommandException ← PostgresException (SQL state 42501)", PortableException.Cause(info));
        Assert.Equal("InvalidOperationException", PortableException.Cause(new FaultExceptionInfo(new InvalidOperationException("x"))));
    }
}
