using Cds.EventStore;
using Cds.Testing;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Cds.Hooks.Security;

namespace Cds.Hooks.Tests;

/// <summary>The group commit of hook streams, on real PostgreSQL (this class's own schema).</summary>
public sealed class HookRecorderTests : IAsyncLifetime
{
    private const string Tenant = "recorder-tenant";
    private readonly IsolatedInfrastructure _infra = new();
    private ServiceProvider _services = null!;
    private HookRecorder _recorder = null!;

    public async Task InitializeAsync()
    {
        await _infra.InitializeAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _infra.Postgres,
            ["EventStore:Schema"] = _infra.Schema,
            ["HookAuth:ReplaySchema"] = _infra.Schema + "_jti",
            [$"Tenants:{Tenant}:HookAuth:Issuers:0"] = "https://epic.example.org/fhir",
            [$"Tenants:{Tenant}:HookAuth:JkuAllowlist:0"] = "https://epic.example.org/jwks",
            [$"Tenants:{Tenant}:HookAuth:Audiences:0"] = "https://cds.example.org/cds-services",
            [$"Tenants:{Tenant}:HookAuth:ClientId"] = "cds-client",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddCdsEventStore(configuration);
        services.AddEpicJwtAuthentication(configuration); // the jti store the hooks service registers
        services.AddSingleton(TimeProvider.System);
        _services = services.BuildServiceProvider();
        var store = _services.GetRequiredService<IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        // Batches close at 16 hooks or after the longest window allowed: the concurrent callers below join one.
        _recorder = new HookRecorder(store, _services.GetRequiredService<Cds.Hooks.Security.IJtiReplayStore>(), Microsoft.Extensions.Options.Options.Create(new HookRecorderOptions
        {
            Window = TimeSpan.FromMilliseconds(2),
            MaxBatch = 16,
        }), new HookMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<HookRecorder>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _recorder.DisposeAsync();
        await _services.DisposeAsync();
        await ExecuteAsync($"drop schema if exists {_infra.Schema}_jti cascade");
        await _infra.DisposeAsync();
    }

    private static HookRecorder.Append Hook(string hookInstance, string? jti = null) => new(Tenant, hookInstance,
    [
        new HookReceived(Tenant, hookInstance, "patient-view", "cds-patient-view", "patient-1", null, null, DateTimeOffset.UtcNow, ["patient"]),
        new CardsReturned([], 3, false, DateTimeOffset.UtcNow, CardSources.Live, "cds-patient-view"),
    ], Jti: jti is null ? null : new HookRecorder.HookJti(jti, DateTimeOffset.UtcNow.AddMinutes(5)));

    private static string[] Instances(string prefix, int count) => [.. Enumerable.Range(0, count).Select(i => $"{prefix}-{Guid.NewGuid():N}")];

    [Fact]
    public async Task Concurrent_hooks_share_one_transaction_and_each_awaits_its_commit()
    {
        var ids = Instances("shared", 16);
        var outcomes = await Task.WhenAll(ids.Select(id => _recorder.RecordAsync(Hook(id))));

        Assert.All(outcomes, o => Assert.Equal(RecordOutcome.Recorded, o));
        // Committed when the callers resume: every stream is there, with both its events.
        var transactions = await ScalarAsync<long>($"select count(distinct xmin::text) from {_infra.Schema}.mt_events where stream_id = any(@ids)", ids);
        Assert.Equal(32, await ScalarAsync<long>($"select count(*) from {_infra.Schema}.mt_events where stream_id = any(@ids)", ids));
        // Rows written by one transaction carry its id (xmin): the 16 hooks took far fewer than 16 transactions.
        Assert.True(transactions < ids.Length, $"{transactions} transactions for {ids.Length} hooks");
    }

    [Fact]
    public async Task A_failing_batch_fails_only_its_own_hooks()
    {
        var failing = Instances("failing", 3);
        var later = Instances("later", 3);
        await ExecuteAsync($"revoke insert on {_infra.Schema}.mt_events from current_user");
        RecordOutcome[] failed;
        try
        {
            failed = await Task.WhenAll(failing.Select(id => _recorder.RecordAsync(Hook(id))));
        }
        finally
        {
            await ExecuteAsync($"grant insert on {_infra.Schema}.mt_events to current_user");
        }
        var recorded = await Task.WhenAll(later.Select(id => _recorder.RecordAsync(Hook(id))));

        Assert.All(failed, o => Assert.Equal(RecordOutcome.Failed, o));
        Assert.All(recorded, o => Assert.Equal(RecordOutcome.Recorded, o));
        Assert.Equal(0, await ScalarAsync<long>($"select count(*) from {_infra.Schema}.mt_streams where id = any(@ids)", failing));
        Assert.Equal(3, await ScalarAsync<long>($"select count(*) from {_infra.Schema}.mt_streams where id = any(@ids)", later));
    }

    [Fact]
    public async Task The_same_hookInstance_twice_in_one_batch_is_recorded_once_and_the_other_is_a_repeat()
    {
        var id = Instances("twice", 1)[0];
        var others = Instances("beside", 4);
        var all = await Task.WhenAll(new[] { id, id }.Concat(others).Select(i => _recorder.RecordAsync(Hook(i))));

        Assert.Equal([RecordOutcome.Recorded, RecordOutcome.AlreadyRecorded], all.Take(2).Order());
        Assert.All(all.Skip(2), o => Assert.Equal(RecordOutcome.Recorded, o));
        Assert.Equal(2, await ScalarAsync<long>($"select count(*) from {_infra.Schema}.mt_events where stream_id = any(@ids)", [id]));
    }

    [Fact]
    public async Task A_hookInstance_recorded_before_is_a_repeat_not_an_error()
    {
        var id = Instances("repeat", 1)[0];
        Assert.Equal(RecordOutcome.Recorded, await _recorder.RecordAsync(Hook(id)));

        Assert.Equal(RecordOutcome.AlreadyRecorded, await _recorder.RecordAsync(Hook(id)));
        Assert.Equal(2, await ScalarAsync<long>($"select count(*) from {_infra.Schema}.mt_events where stream_id = any(@ids)", [id]));
    }

    [Fact]
    public async Task A_jti_used_before_is_a_replay_and_its_hook_is_not_recorded()
    {
        var jti = Guid.NewGuid().ToString("N");
        var (first, second) = (Instances("jti-first", 1)[0], Instances("jti-again", 1)[0]);
        Assert.Equal(RecordOutcome.Recorded, await _recorder.RecordAsync(Hook(first, jti)));

        // The same token on another hook, inside a batch of others: only that hook is refused.
        var others = Instances("jti-beside", 3);
        var outcomes = await Task.WhenAll(new[] { second }.Concat(others).Select((id, i) =>
            _recorder.RecordAsync(Hook(id, i == 0 ? jti : Guid.NewGuid().ToString("N")))));

        Assert.Equal(RecordOutcome.Replay, outcomes[0]);
        Assert.All(outcomes.Skip(1), o => Assert.Equal(RecordOutcome.Recorded, o));
        Assert.Equal(0, await ScalarAsync<long>($"select count(*) from {_infra.Schema}.mt_streams where id = any(@ids)", [second]));
    }

    [Fact]
    public async Task Two_hooks_with_the_same_jti_in_one_batch_exactly_one_passes()
    {
        var jti = Guid.NewGuid().ToString("N");
        var ids = Instances("same-jti", 2);
        var others = Instances("same-jti-beside", 3);
        var outcomes = await Task.WhenAll(ids.Select(id => _recorder.RecordAsync(Hook(id, jti)))
            .Concat(others.Select(id => _recorder.RecordAsync(Hook(id, Guid.NewGuid().ToString("N"))))));

        Assert.Equal([RecordOutcome.Recorded, RecordOutcome.Replay], outcomes.Take(2).Order());
        Assert.All(outcomes.Skip(2), o => Assert.Equal(RecordOutcome.Recorded, o));
        Assert.Equal(1, await ScalarAsync<long>($"select count(*) from {_infra.Schema}.mt_streams where id = any(@ids)", ids));
        Assert.Equal(1, await ScalarAsync<long>($"select count(*) from {_infra.Schema}_jti.hook_jwt_jti where jti = any(@ids)", [jti]));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql, string[] ids)
    {
        await using var connection = new NpgsqlConnection(_infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", ids);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
