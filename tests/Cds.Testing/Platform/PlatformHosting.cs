namespace Cds.Testing;

/// <summary>How <see cref="PlatformBoot"/> runs the platform's services.</summary>
public enum PlatformHosting
{
    /// <summary>In the test's process (<c>WebApplicationFactory</c>, Development environment): the xunit suites, which
    /// reach into a host's services and swap settings per test.</summary>
    InProcess,

    /// <summary>Each service its own <c>dotnet X.dll</c> (Production environment): the reliability and benchmark programs,
    /// which kill processes for real and measure their memory.</summary>
    ChildProcesses,
}
