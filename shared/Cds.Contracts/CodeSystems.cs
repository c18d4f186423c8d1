namespace Cds.Contracts;

public static class CodeSystems
{
    public const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public const string Snomed = "http://snomed.info/sct";
    public const string Loinc = "http://loinc.org";
    public const string Icd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";
    public const string Ucum = "http://unitsofmeasure.org";
}
