using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

/// <summary>The clinical fixture set for our rules (see README: what each patient should trigger). Dates are relative to start-up.</summary>
internal static class Fixtures
{
    private const string Loinc = "http://loinc.org";
    private const string Snomed = "http://snomed.info/sct";
    private const string Icd10 = "http://hl7.org/fhir/sid/icd-10-cm";
    private const string Ucum = "http://unitsofmeasure.org";
    private const string MrnSystem = "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.0";
    private const string ObsIdSystem = "urn:oid:1.2.840.114350.1.13.0.1.7.2.798268";

    public static IEnumerable<Resource> Build(DateTimeOffset now, bool haveEpicSandboxData)
    {
        if (!haveEpicSandboxData)
        {
            yield return new Organization { Id = SandboxPatients.OrganizationId, Name = "Epic Hospital System" };
            yield return new Practitioner
            {
                Id = SandboxPatients.PractitionerId,
                Name = [new HumanName { Use = HumanName.NameUse.Usual, Text = "Physician Family Medicine, MD", Family = "Family Medicine", Given = ["Physician"] }],
            };
        }

        yield return new PractitionerRole
        {
            Id = SandboxPatients.PractitionerRoleId,
            Active = true,
            Practitioner = new ResourceReference("Practitioner/" + SandboxPatients.PractitionerId, "Physician Family Medicine, MD"),
            Organization = new ResourceReference("Organization/" + SandboxPatients.OrganizationId, "Epic Hospital System"),
            Code = [new CodeableConcept("urn:oid:1.2.840.114350.1.13.0.1.7.10.836982.1040", "1", "Physician", "Physician")],
        };

        foreach (var m in DraftMedication.Known)
        {
            yield return m.ToMedication();
        }

        yield return Patient(SandboxPatients.PenicillinAllergic, "Allergy", "Penny", "female", "1958-03-14", "FX1001");
        yield return new AllergyIntolerance
        {
            Id = "eAllergyPen.Fx-AI1",
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active", "Active"),
            VerificationStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed", "Confirmed", "Confirmed"),
            Category = [AllergyIntolerance.AllergyIntoleranceCategory.Medication],
            Criticality = AllergyIntolerance.AllergyIntoleranceCriticality.High,
            Code = new CodeableConcept
            {
                Coding = [new Coding(DraftMedication.RxNorm, "70618", "Penicillin"), new Coding(Snomed, "764146007", "Penicillin (substance)")],
                Text = "Penicillins",
            },
            Patient = PatientRef(SandboxPatients.PenicillinAllergic),
            RecordedDate = Date(now.AddYears(-6)),
            Reaction =
            [
                new AllergyIntolerance.ReactionComponent
                {
                    Manifestation = [new CodeableConcept(Snomed, "39579001", "Anaphylaxis", "Anaphylaxis")],
                    Severity = AllergyIntolerance.AllergyIntoleranceSeverity.Severe,
                },
            ],
        };

        yield return Patient(SandboxPatients.CkdOnMetformin, "Kidney", "Carl", "male", "1949-11-02", "FX1002");
        yield return Problem("eCkdMetformin.Fx-C1", SandboxPatients.CkdOnMetformin, "431857002", "Chronic kidney disease stage 4", "N18.4", now.AddYears(-2));
        yield return Lab("eCkdMetformin.Fx-O1", SandboxPatients.CkdOnMetformin, now.AddDays(-14),
            [new Coding(Loinc, "62238-1", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI)"),
             new Coding(Loinc, "33914-3", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)")],
            "eGFR", new Quantity(25, "mL/min/1.73m2", Ucum) { Code = "mL/min/{1.73_m2}" }, "FX-EGFR-1");
        yield return Lab("eCkdMetformin.Fx-O2", SandboxPatients.CkdOnMetformin, now.AddDays(-14),
            [new Coding(Loinc, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma")],
            "Creatinine", new Quantity(2.6m, "mg/dL", Ucum) { Code = "mg/dL" }, "FX-CREAT-1");
        yield return ActiveOrder("eCkdMetformin.Fx-M1", SandboxPatients.CkdOnMetformin, DraftMedication.Metformin, now.AddMonths(-10));

        yield return Patient(SandboxPatients.OnLisinopril, "Pressure", "Lisa", "female", "1966-07-21", "FX1003");
        yield return Problem("eLisinopril.Fx-C1", SandboxPatients.OnLisinopril, "38341003", "Hypertensive disorder", "I10", now.AddYears(-4));
        yield return ActiveOrder("eLisinopril.Fx-M1", SandboxPatients.OnLisinopril, DraftMedication.Lisinopril, now.AddMonths(-3));

        yield return Patient(SandboxPatients.Type2DiabeticHighA1c, "Sugar", "Diego", "male", "1971-01-30", "FX1004");
        yield return Problem("eDiabetesA1c.Fx-C1", SandboxPatients.Type2DiabeticHighA1c, "44054006", "Diabetes mellitus type 2", "E11.9", now.AddYears(-5));
        yield return Lab("eDiabetesA1c.Fx-O1", SandboxPatients.Type2DiabeticHighA1c, now.AddMonths(-14),
            [new Coding(Loinc, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")], "Hemoglobin A1c",
            new Quantity(9.1m, "%", Ucum) { Code = "%" }, "FX-A1C-1");
        yield return Lab("eDiabetesA1c.Fx-O2", SandboxPatients.Type2DiabeticHighA1c, now.AddMonths(-8),
            [new Coding(Loinc, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")], "Hemoglobin A1c",
            new Quantity(10.2m, "%", Ucum) { Code = "%" }, "FX-A1C-2");

        yield return Patient(SandboxPatients.NoData, "Empty", "Noah", "male", "1990-05-05", "FX1005");

        yield return new Patient
        {
            Id = SandboxPatients.SparseData,
            Identifier = [new Identifier(MrnSystem, "FX1006")],
            Name = [new HumanName { Family = "Sparse", Given = ["Sam"] }],
        };
        yield return new AllergyIntolerance
        {
            Id = "eSparseData.Fx-AI1",
            Code = new CodeableConcept { Text = "Sulfa drugs" },
            Patient = PatientRef(SandboxPatients.SparseData),
        };
        yield return new Condition
        {
            Id = "eSparseData.Fx-C1",
            Code = new CodeableConcept { Coding = [new Coding(Icd10, "E11.9")] },
            Subject = PatientRef(SandboxPatients.SparseData),
        };
        yield return new Observation
        {
            Id = "eSparseData.Fx-O1",
            Status = ObservationStatus.Registered,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
            Code = new CodeableConcept { Coding = [new Coding(Loinc, "4548-4")] },
            Subject = PatientRef(SandboxPatients.SparseData),
        };
        yield return new MedicationRequest
        {
            Id = "eSparseData.Fx-M1",
            Status = MedicationRequest.MedicationrequestStatus.Active,
            Intent = MedicationRequest.MedicationRequestIntent.Order,
            Medication = new CodeableConcept { Text = "Patient's own supply: herbal tea" },
            Subject = PatientRef(SandboxPatients.SparseData),
        };

        yield return new Group
        {
            Id = SandboxPatients.BulkGroupId,
            Type = Group.GroupType.Person,
            Actual = true,
            Name = "CDS fixture patients",
            Member = SandboxPatients.Fixtures.Select(p => new Group.MemberComponent { Entity = PatientRef(p) }).ToList(),
        };
    }

    private static string Date(DateTimeOffset d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset d) =>
        d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static ResourceReference PatientRef(string id) => new("Patient/" + id);

    private static Patient Patient(string id, string family, string given, string gender, string birthDate, string mrn) => new()
    {
        Id = id,
        Identifier =
        [
            new Identifier(MrnSystem, mrn) { Use = Identifier.IdentifierUse.Usual, Type = new CodeableConcept { Text = "EPI" } },
            new Identifier("http://open.epic.com/FHIR/StructureDefinition/patient-fhir-id", id) { Use = Identifier.IdentifierUse.Usual },
        ],
        Active = true,
        Name = [new HumanName { Use = HumanName.NameUse.Official, Family = family, Given = [given], Text = given + " " + family }],
        Gender = gender == "female" ? AdministrativeGender.Female : AdministrativeGender.Male,
        BirthDate = birthDate,
        ManagingOrganization = new ResourceReference("Organization/" + SandboxPatients.OrganizationId, "Epic Hospital System"),
    };

    private static Condition Problem(string id, string patient, string snomed, string display, string icd10, DateTimeOffset onset) => new()
    {
        Id = id,
        ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active", "Active"),
        VerificationStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed", "Confirmed"),
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item", "Problem List Item")],
        Code = new CodeableConcept { Coding = [new Coding(Snomed, snomed, display), new Coding(Icd10, icd10, display)], Text = display },
        Subject = PatientRef(patient),
        Onset = new FhirDateTime(Date(onset)),
        RecordedDate = Date(onset),
    };

    private static Observation Lab(string id, string patient, DateTimeOffset when, List<Coding> codes, string text, Quantity value, string accession) => new()
    {
        Id = id,
        Identifier = [new Identifier(ObsIdSystem, accession) { Use = Identifier.IdentifierUse.Usual }],
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory", "Laboratory")],
        Code = new CodeableConcept { Coding = codes, Text = text },
        Subject = PatientRef(patient),
        Effective = new FhirDateTime(Instant(when)),
        Issued = when.AddHours(3),
        Value = value,
    };

    private static MedicationRequest ActiveOrder(string id, string patient, DraftMedication med, DateTimeOffset authored) => new()
    {
        Id = id,
        Identifier = [new Identifier(ObsIdSystem, "FX-ORD-" + id[^2..]) { Use = Identifier.IdentifierUse.Usual }],
        Status = MedicationRequest.MedicationrequestStatus.Active,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/medicationrequest-category", "community", "Community", "Community")],
        Medication = new ResourceReference("Medication/" + med.EpicMedicationId, med.Display),
        Subject = PatientRef(patient),
        AuthoredOn = Instant(authored),
        Requester = new ResourceReference("Practitioner/" + SandboxPatients.PractitionerId, "Physician Family Medicine, MD"),
        DosageInstruction =
        [
            new Dosage
            {
                Text = med.Display + " once daily",
                DoseAndRate = [new Dosage.DoseAndRateComponent { Dose = new Quantity(med.DoseValue, med.DoseUnit, Ucum) { Code = med.DoseUnit } }],
            },
        ],
    };
}
