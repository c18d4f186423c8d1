using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

internal sealed record SearchError(int Status, JsonObject Outcome);
