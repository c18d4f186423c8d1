using Cds.EventStore;
using Marten;
using Xunit;

namespace Cds.Testing;

/// <summary>
/// The platform's event store (<see cref="EventStoreSetup.Configure"/>) in an isolated PostgreSQL schema for one test
/// class, and the settings that point a host or the ops CLI at that schema.
/// </summary>
public sealed class IsolatedEventStore : IAsyncLifetime
{
    public IsolatedInfrastructure Infra { get; } = new();
    public DocumentStore Store { get; private set; } = null!;

    /// <summary><c>ConnectionStrings:Postgres</c> and <c>EventStore:Schema</c> of this schema (a new dictionary each time).</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["ConnectionStrings:Postgres"] = Infra.Postgres,
        ["EventStore:Schema"] = Infra.Schema,
    };

    /// <summary>A store with the platform's configuration over <paramref name="schema"/>, creating its tables as needed.</summary>
    public static DocumentStore Open(string postgres, string schema) =>
        DocumentStore.For(o => EventStoreSetup.Configure(o, postgres, new EventStoreSettings { Schema = schema, AutoApplySchema = true }));

    public async Task InitializeAsync()
    {
        await Infra.InitializeAsync();
        Store = Open(Infra.Postgres, Infra.Schema);
        await Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        Store?.Dispose();
        await Infra.DisposeAsync();
    }
}
