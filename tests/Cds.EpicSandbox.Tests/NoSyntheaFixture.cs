using Cds.Testing;

namespace Cds.EpicSandbox.Tests;

/// <summary>The sandbox with pages of 10 entries and only its hand-written patients (no Synthea seed).</summary>
public sealed class NoSyntheaFixture : SandboxFixture
{
    protected override SandboxSettings Settings => new() { MaxPageSize = 10, SeedSynthea = false };
}
