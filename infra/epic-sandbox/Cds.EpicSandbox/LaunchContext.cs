namespace Cds.EpicSandbox;

/// <summary>What Epic knows at launch time: the chart open in the clinician's session, and the card link's appContext.</summary>
public sealed record LaunchContext(string Patient, string? Encounter, string User, string? AppContext);
