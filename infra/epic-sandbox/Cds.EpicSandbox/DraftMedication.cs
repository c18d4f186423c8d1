using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

/// <summary>A medication a clinician orders in a hook (Epic puts a draft MedicationRequest plus the referenced Medication in draftOrders).</summary>
/// <param name="Key">Short name used on the command line ("amoxicillin").</param>
/// <param name="IngredientRxNorm">RxNorm ingredient (IN) code, e.g. 723 for amoxicillin.</param>
/// <param name="ProductRxNorm">RxNorm clinical drug (SCD) code, e.g. 308182.</param>
/// <param name="Display">Epic-style order display ("AMOXICILLIN 500 MG PO CAPS").</param>
/// <param name="Text">Medication.code.text.</param>
/// <param name="EpicMedicationId">FHIR id of the Medication resource.</param>
/// <param name="EpicErxId">Epic medication record id (ERX) shown as identifier.</param>
public sealed record DraftMedication(
    string Key,
    string IngredientRxNorm,
    string ProductRxNorm,
    string Display,
    string Text,
    string EpicMedicationId,
    string EpicErxId,
    decimal DoseValue,
    string DoseUnit,
    string FormCode,
    string FormDisplay)
{
    public static DraftMedication Amoxicillin { get; } = new("amoxicillin", "723", "308182", "AMOXICILLIN 500 MG PO CAPS",
        "amoxicillin 500 MG Oral Capsule", "eAmoxMed.zq8Lw1Xr-Tb5kHf3", "4711", 500, "mg", "CAPS", "Capsule");

    public static DraftMedication Metformin { get; } = new("metformin", "6809", "861007", "METFORMIN 500 MG PO TABS",
        "metformin hydrochloride 500 MG Oral Tablet", "eMetfMed.p3Vd9Rk-Ha2cNw3", "10582", 500, "mg", "TABS", "Tablet");

    public static DraftMedication Lisinopril { get; } = new("lisinopril", "29046", "314076", "LISINOPRIL 10 MG PO TABS",
        "lisinopril 10 MG Oral Tablet", "eLisiMed.Qm7Tf2Yc-Lb8Wz3", "6918", 10, "mg", "TABS", "Tablet");

    public static DraftMedication Enalapril { get; } = new("enalapril", "3827", "858817", "ENALAPRIL MALEATE 10 MG PO TABS",
        "enalapril maleate 10 MG Oral Tablet", "eEnalMed.Wd5Hs2Kp-Cy7Qa3", "6955", 10, "mg", "TABS", "Tablet");

    public static DraftMedication Ibuprofen { get; } = new("ibuprofen", "5640", "310965", "IBUPROFEN 400 MG PO TABS",
        "ibuprofen 400 MG Oral Tablet", "eIbupMed.Xs4Nd8Jq-Rv1Pe3", "2213", 400, "mg", "TABS", "Tablet");

    public static IReadOnlyList<DraftMedication> Known { get; } = [Amoxicillin, Metformin, Lisinopril, Enalapril, Ibuprofen];

    /// <summary>Finds a known medication by key, ingredient or product code.</summary>
    public static DraftMedication Parse(string keyOrCode) =>
        Known.FirstOrDefault(m => string.Equals(m.Key, keyOrCode, StringComparison.OrdinalIgnoreCase)
                                  || m.IngredientRxNorm == keyOrCode || m.ProductRxNorm == keyOrCode)
        ?? throw new ArgumentException($"Unknown medication '{keyOrCode}'. Known: {string.Join(", ", Known.Select(k => k.Key))}.");

    internal const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";

    /// <summary>The Medication resource in Epic's shape (local ERX identifier, RxNorm SCD + IN codings, form).</summary>
    public Medication ToMedication()
    {
        var code = new CodeableConcept
        {
            Coding =
            [
                new Coding("urn:oid:2.16.840.1.113883.6.253", EpicErxId),
                new Coding(RxNorm, ProductRxNorm),
                new Coding(RxNorm, IngredientRxNorm),
            ],
            Text = Text,
        };
        return new Medication
        {
            Id = EpicMedicationId,
            Identifier = [new Identifier("urn:oid:1.2.840.114350.1.13.0.1.7.2.698288", EpicErxId) { Use = Identifier.IdentifierUse.Usual }],
            Code = code,
            Form = new CodeableConcept("urn:oid:1.2.840.114350.1.13.0.1.7.4.698288.310", FormCode, FormDisplay, FormDisplay),
            Ingredient =
            [
                new Medication.IngredientComponent
                {
                    Item = new CodeableConcept { Coding = [new Coding(RxNorm, IngredientRxNorm)], Text = Text },
                    Strength = new Ratio(
                        new Quantity(DoseValue, DoseUnit.ToUpperInvariant(), "http://unitsofmeasure.org") { Code = DoseUnit },
                        new Quantity(1, FormDisplay.ToUpperInvariant())),
                },
            ],
        };
    }
}
