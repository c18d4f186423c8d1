using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

internal sealed record TokenResult(int Status, JsonObject Body, string? ClientId, string? Algorithm, string? GrantedScope);
