using Cds.Contracts;
using Hl7.Fhir.Model;

namespace Cds.Fhir.Patients;

/// <summary>LOINC codes per analyte the rules use; the latest result of each analyte goes into <see cref="PatientContext.Labs"/>.</summary>
public static class LabPanels
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Loinc = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        // eGFR: MDRD, CKD-EPI (2009 and race-free 2021) and the generic codes labs report under.
        ["egfr"] = ["33914-3", "48642-3", "48643-1", "62238-1", "69405-9", "98979-8", "88293-6", "88294-4", "50044-7", "77147-7"],
        ["hba1c"] = ["4548-4", "17856-6", "4549-2", "59261-8", "41995-2"],
        ["potassium"] = ["2823-3", "6298-4", "77142-8", "39789-3"],
        ["creatinine"] = ["2160-0", "38483-4", "14682-9", "59826-8"],
    };

    /// <summary>The analyte a LOINC code belongs to, or null.</summary>
    public static string? AnalyteOf(string code) => Loinc.FirstOrDefault(kv => kv.Value.Contains(code)).Key;
}
