using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

/// <summary>
/// README, "Error queues" and "While PostgreSQL is down": an override whose write-back the store refuses (INSERT on
/// the event table revoked) is retried, parked in <c>writeback-feedback-recorded_error</c> with a Fault that travels
/// (types and SQL state, never Marten's failed batch or PostgreSQL's row values), shown usefully by
/// <c>Cds.Ops errors show</c>, and written once <c>errors redeliver</c> moves it back after the store is fixed.
/// </summary>
public sealed class StoreRefusesWritesTests(WriteBackFixture fx) : IClassFixture<WriteBackFixture>
{
    private const string NoteText = "Patient declined alternative, discussed with pharmacist Jane";

    [Fact]
    public async System.Threading.Tasks.Task A_refused_write_back_is_parked_with_a_portable_fault_and_redelivered_after_the_fix()
    {
        var logs = new CapturedLogs();
        await fx.ReplaceHostAsync(fx.StartHost(s => s.AddSingleton<ILoggerProvider>(logs)));
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        var faults = await BindFaultProbeAsync();

        var feedback = TestData.Feedback(card, FeedbackOutcomes.Overridden, WriteBackFixture.Tenant, hook,
            comment: NoteText, patientId: SandboxPatients.PenicillinAllergic);
        await SqlAsync($"revoke insert on {fx.Infra.Schema}.mt_events from current_user");
        JsonElement parked;
        try
        {
            await fx.Bus.Publish(feedback);
            parked = await GetOneAsync(FeedbackRecordedConsumer.ErrorQueue);
        }
        finally
        {
            await SqlAsync($"grant insert on {fx.Infra.Schema}.mt_events to current_user");
        }

        // The _error queue's fault headers: the failure class, no PHI.
        var headers = parked.GetProperty("properties").GetProperty("headers");
        var headerText = headers.GetRawText();
        AssertNoPhi(headerText, "error queue headers");
        Assert.True(headers.GetProperty("MT-Fault-Message").GetString()!.Contains("42501", StringComparison.Ordinal), "error queue headers: " + headerText);

        // The Fault<FeedbackRecorded> was published (serializable) and its exceptions carry no data and no PHI.
        var fault = await GetOneAsync(faults);
        using var envelope = JsonDocument.Parse(fault.GetProperty("payload").GetString()!);
        var exceptions = envelope.RootElement.GetProperty("message").GetProperty("exceptions");
        var exceptionsText = exceptions.GetRawText();
        AssertNoPhi(exceptionsText, "Fault exceptions");
        foreach (var e in exceptions.EnumerateArray())
        {
            Assert.True(!e.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null, "fault exception data: " + exceptionsText);
        }
        Assert.Contains("MartenCommandException", exceptionsText, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("Failed to serialize", StringComparison.OrdinalIgnoreCase));

        // Ops: `errors show` names the original exception types and the SQL state.
        var show = await OpsAsync("errors", "show", FeedbackRecordedConsumer.ErrorQueue);
        Assert.Contains("MartenCommandException", show, StringComparison.Ordinal);
        Assert.Contains("PostgresException", show, StringComparison.Ordinal);
        Assert.Contains("42501", show, StringComparison.Ordinal);
        AssertNoPhi(show, "errors show");

        // Nothing lost: once the store takes writes again, `errors redeliver` gets the note written, once.
        var moved = await OpsAsync("errors", "redeliver", FeedbackRecordedConsumer.ErrorQueue);
        Assert.Contains("1 message(s) moved", moved, StringComparison.Ordinal);
        var timeline = await fx.WaitForTimelineAsync(WriteBackFixture.Tenant, hook, t => t.Notes.Any(n => n.Status == WriteBackStatuses.Succeeded));
        var note = Assert.Single(timeline.Notes);
        Assert.Equal(1, fx.Sandbox.State.CreatedCount(NoteIdentity.For(new TenantWriteBackSettings().IdentifierSystem, WriteBackFixture.Tenant, hook,
            card.Uuid, FeedbackOutcomes.Overridden).Token));
        Assert.NotNull(note.EpicId);
    }

    private static void AssertNoPhi(string text, string where)
    {
        Assert.False(text.Contains(SandboxPatients.PenicillinAllergic, StringComparison.Ordinal), $"patient id in {where}: {text}");
        Assert.False(text.Contains(NoteText, StringComparison.Ordinal), $"note text in {where}: {text}");
    }

    private async System.Threading.Tasks.Task SqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fx.Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A queue of our own bound to the exchange MassTransit publishes <c>Fault&lt;FeedbackRecorded&gt;</c> to.</summary>
    private async Task<string> BindFaultProbeAsync()
    {
        var vhost = fx.Infra.VirtualHost;
        var exchanges = await fx.Infra.Management.GetFromJsonAsync<List<JsonElement>>($"api/exchanges/{vhost}") ?? [];
        var exchange = exchanges.Select(e => e.GetProperty("name").GetString()!)
            .Single(n => n.Contains("Fault--", StringComparison.Ordinal) && n.Contains(nameof(FeedbackRecorded), StringComparison.Ordinal));
        const string probe = "test-fault-probe";
        (await fx.Infra.Management.PutAsJsonAsync($"api/queues/{vhost}/{probe}", new { durable = false, auto_delete = false })).EnsureSuccessStatusCode();
        (await fx.Infra.Management.PostAsJsonAsync($"api/bindings/{vhost}/e/{Uri.EscapeDataString(exchange)}/q/{probe}", new { routing_key = "" }))
            .EnsureSuccessStatusCode();
        return probe;
    }

    /// <summary>Peeks at the first message of <paramref name="queue"/> (left in place), waiting up to 60 s for one.</summary>
    private async Task<JsonElement> GetOneAsync(string queue)
    {
        var message = await Eventually.ReadUntilAsync<JsonElement?>(async () =>
        {
            var response = await fx.Infra.Management.PostAsJsonAsync($"api/queues/{fx.Infra.VirtualHost}/{queue}/get",
                new { count = 1, ackmode = "ack_requeue_true", encoding = "auto" });
            return response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<List<JsonElement>>())?.FirstOrDefault() is { ValueKind: JsonValueKind.Object } m
                ? m : null;
        }, m => m is not null, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        return message ?? throw new TimeoutException($"no message in {queue}");
    }

    /// <summary>The ops CLI as operators run it (the solution build puts it next to its project).</summary>
    private async Task<string> OpsAsync(params string[] args)
    {
        var dll = RepoSources.Combine("services", "Cds.Ops", "bin", "Release", "net10.0", "Cds.Ops.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build Cds.sln -c Release first");
        var start = new ProcessStartInfo("dotnet", [dll, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["ConnectionStrings__RabbitMq"] = fx.Infra.RabbitMq;
        start.Environment["ConnectionStrings__RabbitMqManagement"] = fx.Infra.Endpoints.RabbitMqManagement.ToString();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
        var text = await output + await error;
        Assert.True(process.ExitCode == 0, $"Cds.Ops {string.Join(' ', args)} exited {process.ExitCode}: {text}");
        return text;
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(CapturedLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{formatter(state, exception)} {exception}");
        }
    }
}
