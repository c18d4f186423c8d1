using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>What <see cref="EpicHookDriver"/> needs from Epic: the URLs, the hook-signing keys, a hook's fhirAuthorization, prefetch
/// and the latest encounter; in process (<see cref="InProcessEpic"/>) or over the sandbox's /_sandbox/hooks endpoints (<see cref="RemoteEpic"/>).</summary>
internal interface IEpicSide
{
    Uri FhirBaseUrl { get; }

    Uri HookJwksUrl { get; }

    HookKeys Keys { get; }

    JsonObject MintFhirAuthorization();

    JsonObject Prefetch(string patientId, string userId, IReadOnlyList<string> keys);

    string? LatestEncounterId(string patientId);
}
