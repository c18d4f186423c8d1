using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>The Epic side of <see cref="EpicHookDriver"/> for a sandbox in this process.</summary>
internal sealed class InProcessEpic(EpicSandboxServer sandbox) : IEpicSide
{
    public Uri FhirBaseUrl => sandbox.FhirBaseUrl;

    public Uri HookJwksUrl => sandbox.HookJwksUrl;

    public HookKeys Keys => sandbox.HookKeys;

    public JsonObject MintFhirAuthorization() => sandbox.MintFhirAuthorization();

    public JsonObject Prefetch(string patientId, string userId, IReadOnlyList<string> keys) =>
        Cds.EpicSandbox.Prefetch.Build(sandbox, patientId, userId, keys);

    public string? LatestEncounterId(string patientId) => Cds.EpicSandbox.Prefetch.LatestEncounterId(sandbox, patientId);
}
