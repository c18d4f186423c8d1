namespace Cds.EpicSandbox.Conformance;

/// <summary>Which CDS Hooks 2.0 document a JSON body is.</summary>
public enum CdsHooksDocument
{
    /// <summary>The answer to a hook call: <c>{ "cards": [...], "systemActions": [...] }</c>.</summary>
    Response,

    /// <summary>The answer to GET {baseUrl}/cds-services.</summary>
    Discovery,
}
