namespace Cds.EpicSandbox;

/// <summary>One Epic "Incoming API" a client is registered for, e.g. Observation.Search (R4).</summary>
public readonly record struct EpicApi(string ResourceType, FhirInteraction Interaction)
{
    /// <summary>Epic's display name, e.g. "Observation.Search (R4)".</summary>
    public string EpicName => $"{ResourceType}.{Interaction} (R4)";

    public override string ToString() => EpicName;

    /// <summary>Parses "Patient.Read" or "Patient.Read (R4)".</summary>
    public static EpicApi Parse(string text)
    {
        var core = text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var dot = core.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !Enum.TryParse<FhirInteraction>(core[(dot + 1)..], ignoreCase: true, out var interaction))
        {
            throw new FormatException($"Not an API name: '{text}' (expected e.g. Patient.Read).");
        }

        return new EpicApi(core[..dot], interaction);
    }
}
