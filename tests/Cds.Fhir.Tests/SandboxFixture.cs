using Cds.EpicSandbox;
using Xunit;

namespace Cds.Fhir.Tests;

/// <summary>A real Kestrel Epic sandbox (port 0) shared by the tests of one class; tests run one at a time within a class.</summary>
public class SandboxFixture : IAsyncLifetime
{
    public EpicSandboxServer Sandbox { get; private set; } = null!;

    protected virtual SandboxSettings Settings => new();

    public async Task InitializeAsync() => Sandbox = await EpicSandboxServer.StartAsync(Settings);

    public async Task DisposeAsync() => await Sandbox.DisposeAsync();
}

/// <summary>A sandbox whose access tokens live 5 seconds, to watch refresh-ahead without waiting an hour.</summary>
public sealed class ShortTokenSandboxFixture : SandboxFixture
{
    protected override SandboxSettings Settings => new() { AccessTokenLifetime = TimeSpan.FromSeconds(5), SeedSynthea = false };
}
