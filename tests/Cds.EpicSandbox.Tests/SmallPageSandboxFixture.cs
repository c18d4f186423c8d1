using Cds.Testing;

namespace Cds.EpicSandbox.Tests;

/// <summary>The sandbox with pages of 10 entries, so paging shows with few resources.</summary>
public sealed class SmallPageSandboxFixture : SandboxFixture
{
    protected override SandboxSettings Settings => new() { MaxPageSize = 10 };
}
