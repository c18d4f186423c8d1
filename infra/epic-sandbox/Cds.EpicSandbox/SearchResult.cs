using System.Text.Json.Nodes;
using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

internal sealed record SearchResult(IReadOnlyList<Resource> Matches, IReadOnlyList<JsonObject> Warnings, int? Count, bool IncludeMedications = false);
