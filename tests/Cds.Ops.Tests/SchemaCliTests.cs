using Cds.Testing;

namespace Cds.Ops.Tests;

/// <summary><c>schema export|apply</c>: what production runs before a deploy, since services there do not change the database.</summary>
public sealed class SchemaCliTests : IAsyncLifetime
{
    private readonly IsolatedInfrastructure _infra = new();
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"cds-schema-{Guid.NewGuid():N}.sql");

    public Task InitializeAsync() => _infra.InitializeAsync();

    public async Task DisposeAsync()
    {
        File.Delete(_file);
        await _infra.DisposeAsync();
    }

    private Dictionary<string, string?> Settings => new()
    {
        ["ConnectionStrings:Postgres"] = _infra.Postgres,
        ["EventStore:Schema"] = _infra.Schema,
    };

    [Fact]
    public async Task Export_writes_the_DDL_apply_creates_it_and_then_nothing_is_left_to_do()
    {
        var export = await Cli.RunAsync(Settings, "schema", "export", _file);
        Assert.True(export.ExitCode == 0, export.ToString());
        var sql = await File.ReadAllTextAsync(_file);
        Assert.Contains($"{_infra.Schema}.mt_events", sql, StringComparison.Ordinal);
        Assert.Contains("mt_doc_hooktimeline", sql, StringComparison.Ordinal);

        var refused = await Cli.RunWithInputAsync(Settings, "no\n", "schema", "apply");
        Assert.Equal(1, refused.ExitCode);

        var apply = await Cli.RunAsync(Settings, "schema", "apply", "--yes");
        Assert.True(apply.ExitCode == 0, apply.ToString());

        var again = await Cli.RunAsync(Settings, "schema", "export", _file);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain("mt_doc_hooktimeline", await File.ReadAllTextAsync(_file), StringComparison.Ordinal);
    }
}
