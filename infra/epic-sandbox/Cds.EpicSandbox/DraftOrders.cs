using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>The draftOrders of an order-select or order-sign request as Epic sends it.</summary>
internal static class DraftOrders
{
    /// <summary>draftOrders: Bundle (collection) of draft MedicationRequests plus the referenced Medication resources (Epic since Feb 2024).</summary>
    public static JsonObject Build(string patientId, List<DraftMedication> drafts, List<string> draftIds)
    {
        var entries = new JsonArray();
        for (var i = 0; i < drafts.Count; i++)
        {
            var m = drafts[i];
            entries.Add(new JsonObject
            {
                ["resource"] = new JsonObject
                {
                    ["resourceType"] = "MedicationRequest",
                    ["id"] = draftIds[i],
                    ["status"] = "draft",
                    ["intent"] = "order",
                    ["category"] = new JsonArray(new JsonObject
                    {
                        ["coding"] = new JsonArray(new JsonObject
                        {
                            ["system"] = "http://terminology.hl7.org/CodeSystem/medicationrequest-category", ["code"] = "outpatient", ["display"] = "Outpatient",
                        }),
                        ["text"] = "Outpatient",
                    }),
                    ["priority"] = "routine",
                    ["medicationReference"] = new JsonObject { ["reference"] = "Medication/" + m.EpicMedicationId, ["display"] = m.Display },
                    ["subject"] = new JsonObject { ["reference"] = "Patient/" + patientId },
                    ["dosageInstruction"] = new JsonArray(new JsonObject
                    {
                        ["text"] = m.Display,
                        ["timing"] = new JsonObject { ["repeat"] = new JsonObject { ["frequency"] = 1, ["period"] = 1, ["periodUnit"] = "d" } },
                        ["doseAndRate"] = new JsonArray(new JsonObject
                        {
                            ["doseQuantity"] = new JsonObject { ["value"] = m.DoseValue, ["unit"] = m.DoseUnit, ["system"] = "http://unitsofmeasure.org", ["code"] = m.DoseUnit },
                        }),
                    }),
                },
            });
        }

        foreach (var m in drafts.DistinctBy(d => d.EpicMedicationId))
        {
            entries.Add(new JsonObject { ["resource"] = FhirJson.ToNode(m.ToMedication()) });
        }

        return new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = entries };
    }
}
