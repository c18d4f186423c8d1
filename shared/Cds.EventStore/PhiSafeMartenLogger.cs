using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cds.EventStore;

/// <summary>
/// Marten's logger, PHI-safe. Marten's default (<c>DefaultMartenLogger</c>, category <c>Marten.IDocumentStore</c>)
/// writes every failed command at Error with its text, every parameter value and the exception — the parameters are
/// the events' and documents' JSON (patient, encounter and user ids, Epic's employee id, cards) — and, at Debug, every
/// successful command with its parameters. This one (category <c>Marten</c>) never writes a parameter value, a JSON
/// body or an exception message: a failure is logged with the first line of each command (SQL text, parameterised:
/// <c>$1</c>, never a value), the exception types, PostgreSQL's SQL state, table and constraint. A unique violation
/// (23505: a stream or event that already exists, which the caller handles — a repeated hookInstance racing its
/// twin, optimistic concurrency) is a Warning, everything else an Error. Successes and saved-changes counts are not
/// logged (traces and metrics carry timings); schema changes are DDL only, at Information.
/// </summary>
public sealed partial class PhiSafeMartenLogger(ILogger logger) : IMartenLogger, IMartenSessionLogger
{
    public const string Category = "Marten";

    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => SchemaChanged(logger, sql);

    public void LogSuccess(NpgsqlCommand command) { }

    public void LogSuccess(NpgsqlBatch batch) { }

    public void LogFailure(NpgsqlCommand command, Exception ex) => Failed(FirstLine(command.CommandText), ex);

    public void LogFailure(NpgsqlBatch batch, Exception ex) =>
        Failed(string.Join("; ", batch.BatchCommands.OfType<NpgsqlBatchCommand>().Select(c => FirstLine(c.CommandText)).Distinct()), ex);

    public void LogFailure(Exception ex, string message) => Failed(FirstLine(message), ex);

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit) { }

    public void OnBeforeExecute(NpgsqlCommand command) { }

    public void OnBeforeExecute(NpgsqlBatch batch) { }

    private void Failed(string statement, Exception ex)
    {
        var types = string.Join(" -> ", Chain(ex).Select(e => e.GetType().Name));
        var pg = Chain(ex).OfType<PostgresException>().FirstOrDefault();
        if (pg?.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            UniqueViolation(logger, pg.TableName, pg.ConstraintName, statement);
            return;
        }
        CommandFailed(logger, types, pg?.SqlState, pg?.TableName, pg?.ConstraintName, statement);
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static string FirstLine(string? sql)
    {
        var text = (sql ?? "").TrimStart();
        var end = text.IndexOfAny(['\n', '\r']);
        var line = end < 0 ? text : text[..end];
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Marten schema update:\n{Ddl}")]
    private static partial void SchemaChanged(ILogger logger, string ddl);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Marten command hit a unique constraint ({Table}.{Constraint}); the caller handles it. Statement: {Statement}")]
    private static partial void UniqueViolation(ILogger logger, string? table, string? constraint, string statement);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Marten command failed: {ExceptionTypes}, SQL state {SqlState} (table {Table}, constraint {Constraint}). Statement: {Statement}")]
    private static partial void CommandFailed(ILogger logger, string exceptionTypes, string? sqlState, string? table, string? constraint, string statement);
}
