using Xunit;

namespace Cds.Benchmarks.Harness;

/// <summary>Disposes an xunit <see cref="IAsyncLifetime"/> (the isolated vhost and schema) with <c>await using</c>.</summary>
public sealed class AsyncDisposer<T>(T value) : IAsyncDisposable where T : IAsyncLifetime
{
    public T Value { get; } = value;
    public async ValueTask DisposeAsync() => await Value.DisposeAsync();
}

public static class AsyncDisposer
{
    public static AsyncDisposer<T> Of<T>(T value) where T : IAsyncLifetime => new(value);
}
