using System.Text.Json;
using Cds.Benchmarks.Harness;
using Cds.EventStore;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B3: Marten append with the platform's configuration (<see cref="EventStoreSetup.Configure"/>: conjoined tenancy,
/// string stream ids, Quick append, inline hook-timeline projection) — one new hook stream per transaction, and 100 per
/// transaction — against Npgsql: one INSERT into a look-alike events table, and binary COPY of 100 rows.
/// Closed loop, 4 concurrent writers, events per second.
/// </summary>
public sealed class B3StoreScenario : IScenario
{
    private const int Writers = 4;
    private const int Batch = 100;
    public string Id => "B3";
    public string Title => "Marten append vs Npgsql INSERT / binary COPY";

    public async Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct)
    {
        await using var infra = AsyncDisposer.Of(await BenchContext.IsolatedAsync());
        var schema = infra.Value.Schema;
        using var store = DocumentStore.For(o => EventStoreSetup.Configure(o, infra.Value.Postgres, new EventStoreSettings { Schema = schema }));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        await using var dataSource = NpgsqlDataSource.Create(infra.Value.Postgres);
        await using (var create = dataSource.CreateCommand($"""
            create table if not exists {schema}.raw_events (
              seq_id bigserial primary key,
              id uuid not null,
              stream_id varchar not null,
              version bigint not null,
              data jsonb not null,
              type varchar(500) not null,
              timestamp timestamptz not null default now(),
              tenant_id varchar not null,
              unique (tenant_id, stream_id, version))
            """))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var seq = 0L;
        HookReceived Event(long i) => new("bench", $"h-{i}", "order-select", "cds-order-select", $"bench-patient-{i % 50}", "enc-1",
            "Practitioner/bench", DateTimeOffset.UtcNow, ["patient", "medications", "allergies", "conditions", "labs"]);

        async Task<int> MartenOne(int w, CancellationToken c)
        {
            var i = Interlocked.Increment(ref seq);
            await using var session = store.LightweightSession("bench");
            session.Events.StartStream($"m1-{i}", Event(i));
            await session.SaveChangesAsync(c);
            return 1;
        }

        async Task<int> MartenBatch(int w, CancellationToken c)
        {
            await using var session = store.LightweightSession("bench");
            for (var k = 0; k < Batch; k++)
            {
                var i = Interlocked.Increment(ref seq);
                session.Events.StartStream($"mb-{i}", Event(i));
            }
            await session.SaveChangesAsync(c);
            return Batch;
        }

        async Task<int> InsertOne(int w, CancellationToken c)
        {
            var i = Interlocked.Increment(ref seq);
            await using var cmd = dataSource.CreateCommand(
                $"insert into {schema}.raw_events (id, stream_id, version, data, type, tenant_id) values ($1, $2, 1, $3, 'hook_received', 'bench')");
            cmd.Parameters.Add(new NpgsqlParameter { Value = Guid.NewGuid() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = $"r1-{i}" });
            cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(Event(i), json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            await cmd.ExecuteNonQueryAsync(c);
            return 1;
        }

        async Task<int> CopyBatch(int w, CancellationToken c)
        {
            await using var conn = await dataSource.OpenConnectionAsync(c);
            await using var writer = await conn.BeginBinaryImportAsync(
                $"copy {schema}.raw_events (id, stream_id, version, data, type, tenant_id) from stdin (format binary)", c);
            for (var k = 0; k < Batch; k++)
            {
                var i = Interlocked.Increment(ref seq);
                await writer.StartRowAsync(c);
                await writer.WriteAsync(Guid.NewGuid(), NpgsqlDbType.Uuid, c);
                await writer.WriteAsync($"rb-{i}", NpgsqlDbType.Varchar, c);
                await writer.WriteAsync(1L, NpgsqlDbType.Bigint, c);
                await writer.WriteAsync(JsonSerializer.Serialize(Event(i), json), NpgsqlDbType.Jsonb, c);
                await writer.WriteAsync("hook_received", NpgsqlDbType.Varchar, c);
                await writer.WriteAsync("bench", NpgsqlDbType.Varchar, c);
            }
            await writer.CompleteAsync(c);
            return Batch;
        }

        var window = context.Window;
        var (m1, i1) = await Interleave.RunAsync(context.Repetitions,
            () => Load.ClosedLoopAsync(Writers, window, MartenOne), () => Load.ClosedLoopAsync(Writers, window, InsertOne));
        result.Comparisons.Add(Comparison.From(Id, "append, 1 event per transaction", "events/s",
            "Marten (platform config)", "Npgsql INSERT", m1, i1, Better.Higher, 0.7,
            "Marten writes three rows per new stream (mt_streams, mt_events, the inline hook-timeline document) in one batch; the raw INSERT writes one"));

        var (mb, cb) = await Interleave.RunAsync(context.Repetitions,
            () => Load.ClosedLoopAsync(Writers, window, MartenBatch), () => Load.ClosedLoopAsync(Writers, window, CopyBatch));
        result.Comparisons.Add(Comparison.From(Id, "append, 100 events per transaction", "events/s",
            "Marten (platform config)", "Npgsql binary COPY", mb, cb, Better.Higher, 0.3,
            "Marten sends 100 × (stream row + event row + projection upsert) as batched statements; COPY streams 100 rows in one protocol round"));
        result.Notes.Add($"{Writers} concurrent writers, {window.TotalSeconds:0.#} s per window; each event is a new hook stream (HookReceived), as on the hook path; look-alike table has Marten's columns and unique (tenant, stream, version).");
    }
}
