namespace Cds.EpicSandbox;

/// <summary>Which of a client's two Epic ids the sandbox accepts (docs/epic-behaviours.md item 15).</summary>
public enum SandboxEnvironment
{
    NonProduction,
    Production,
}
