namespace Cds.Fhir.Configuration;

public sealed class WriteBackOptions
{
    /// <summary>Master switch for FHIR writes to this tenant; off by default (docs/epic-behaviours.md item 23).</summary>
    public bool Enabled { get; set; }
}
