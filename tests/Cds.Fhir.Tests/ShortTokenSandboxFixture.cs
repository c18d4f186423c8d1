using Cds.EpicSandbox;
using Cds.Testing;

namespace Cds.Fhir.Tests;

/// <summary>A sandbox whose access tokens live 5 seconds, to watch refresh-ahead without waiting an hour.</summary>
public sealed class ShortTokenSandboxFixture : SandboxFixture
{
    protected override SandboxSettings Settings => new() { AccessTokenLifetime = TimeSpan.FromSeconds(5), SeedSynthea = false };
}
