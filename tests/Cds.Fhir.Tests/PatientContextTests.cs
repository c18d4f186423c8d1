using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.Testing;
using Hl7.Fhir.Model;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Cds.Fhir.Tests;

/// <summary>The enrichment question, answered from the sandbox's fixture patients; and write-back's conditional create.</summary>
public sealed class PatientContextTests : IClassFixture<SandboxFixture>
{
    private readonly EpicSandboxServer _sandbox;

    public PatientContextTests(SandboxFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _sandbox.Reset();
    }

    private static bool Has(IEnumerable<ClinicalCode> codes, string system, string code) => codes.Any(c => c.System == system && c.Code == code);

    [Fact]
    public async Task Ckd_patient_on_metformin_has_egfr_25_the_drug_and_the_condition()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.CkdOnMetformin, CancellationToken.None);

        Assert.Empty(context.Gaps);
        Assert.Equal(SandboxPatients.CkdOnMetformin, context.PatientId);
        Assert.NotNull(context.BirthDate);
        // Epic-style medicationReference resolved to the Medication's codes (ingredient RxNorm 6809).
        var metformin = Assert.Single(context.ActiveMedications, m => Has(m.Codes, CodeSystems.RxNorm, "6809"));
        Assert.Equal("active", metformin.Status);
        Assert.NotNull(metformin.AuthoredOn);
        // The sandbox's CapabilityStatement lists MedicationRequest 'status': the filter is applied at Epic.
        Assert.Contains(_sandbox.State.FhirRequests, r => r.ResourceType == "MedicationRequest" && r.PathAndQuery.Contains("status=active", StringComparison.Ordinal));
        Assert.Contains(context.Conditions, c => Has(c.Codes, CodeSystems.Snomed, "431857002"));
        var egfr = Assert.Single(context.Labs, l => l.Codes.Any(c => c.System == CodeSystems.Loinc && Patients.LabPanels.AnalyteOf(c.Code) == "egfr"));
        Assert.Equal(25m, egfr.Value);
        Assert.NotNull(egfr.Effective);
    }

    [Fact]
    public async Task Penicillin_allergy_is_returned_as_an_active_allergy()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.PenicillinAllergic, CancellationToken.None);
        var allergy = Assert.Single(context.Allergies, a => Has(a.Codes, CodeSystems.RxNorm, "70618"));
        Assert.Equal("high", allergy.Criticality);
    }

    [Fact]
    public async Task Diabetic_has_the_latest_hba1c_of_10_2_dated_months_ago()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.Type2DiabeticHighA1c, CancellationToken.None);
        var a1c = Assert.Single(context.Labs, l => Has(l.Codes, CodeSystems.Loinc, "4548-4"));
        Assert.Equal(10.2m, a1c.Value);
        Assert.True(a1c.Effective < DateTimeOffset.UtcNow.AddMonths(-6));
        Assert.Contains(context.Conditions, c => Has(c.Codes, CodeSystems.Snomed, "44054006"));
    }

    [Fact]
    public async Task Lisinopril_medication_is_resolved()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.OnLisinopril, CancellationToken.None);
        var lisinopril = Assert.Single(context.ActiveMedications, m => Has(m.Codes, CodeSystems.RxNorm, "29046"));
        Assert.Contains("LISINOPRIL", lisinopril.Text);
    }

    [Fact]
    public async Task Synthea_patient_gets_latest_lab_values_across_pages()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.AbramLemke, CancellationToken.None);
        Assert.Empty(context.Gaps);
        var a1c = Assert.Single(context.Labs, l => Has(l.Codes, CodeSystems.Loinc, "4548-4"));
        var search = await host.Clients.ForTenant("t").SearchAsync<Observation>([new("patient", SandboxPatients.AbramLemke), new("code", "http://loinc.org|4548-4")]);
        var latest = search.Resources.MaxBy(o => Patients.PatientContextMapper.ParseDateTime((o.Effective as FhirDateTime)?.Value))!;
        Assert.Equal(latest.Id, a1c.Id);
    }

    [Fact]
    public async Task Patient_with_no_data_gets_empty_lists_and_no_gaps()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.NoData, CancellationToken.None);
        Assert.Empty(context.ActiveMedications);
        Assert.Empty(context.Allergies);
        Assert.Empty(context.Conditions);
        Assert.Empty(context.Labs);
        Assert.Empty(context.Gaps);
    }

    [Fact]
    public async Task Labs_missing_must_support_elements_are_still_read()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("WriteBack:Enabled", "true")
            .Scopes("system/Patient.rs", "system/Observation.crs", "system/Condition.rs", "system/MedicationRequest.rs", "system/Medication.r", "system/AllergyIntolerance.rs"));
        var client = host.Clients.ForTenant("t");
        var subject = new ResourceReference("Patient/" + SandboxPatients.NoData);
        // eGFR as Epic often reports it: text "&gt;90", no unit; HbA1c with no value and no effective date at all.
        await client.CreateAsync(new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept(CodeSystems.Loinc, "33914-3"),
            Subject = subject,
            Effective = new FhirDateTime("2025-03"),
            Value = new FhirString(">90"),
        }, ifNoneExist: null);
        await client.CreateAsync(new Observation
        {
            Status = ObservationStatus.Preliminary,
            Code = new CodeableConcept(CodeSystems.Loinc, "4548-4"),
            Subject = subject,
        }, ifNoneExist: null);

        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.NoData, CancellationToken.None);

        var egfr = Assert.Single(context.Labs, l => Has(l.Codes, CodeSystems.Loinc, "33914-3"));
        Assert.Equal(90m, egfr.Value);
        Assert.Null(egfr.Unit);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), egfr.Effective);
        var a1c = Assert.Single(context.Labs, l => Has(l.Codes, CodeSystems.Loinc, "4548-4"));
        Assert.Null(a1c.Value);
        Assert.Null(a1c.Effective);
        Assert.Equal("preliminary", a1c.Status);
        Assert.Empty(context.Gaps);
    }

    [Fact]
    public async Task A_part_Epic_does_not_authorize_is_a_gap_not_a_failure()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl)
            .Scopes("system/Patient.rs", "system/Observation.rs", "system/Condition.rs", "system/MedicationRequest.rs", "system/Medication.r"));
        var context = await host.Patients.GetPatientContextAsync("t", SandboxPatients.PenicillinAllergic, CancellationToken.None);
        Assert.Empty(context.Allergies);
        var gap = Assert.Single(context.Gaps);
        Assert.StartsWith("allergies: not authorized for AllergyIntolerance search", gap);
    }

    [Fact]
    public async Task Unknown_patient_is_a_precise_error()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var ex = await Assert.ThrowsAsync<EpicFhirCallException>(() => host.Patients.GetPatientContextAsync("t", "eNoSuchPatient.1", CancellationToken.None));
        Assert.Equal(404, ex.StatusCode);
        Assert.DoesNotContain("eNoSuchPatient.1", ex.Message);
    }

    [Fact]
    public async Task No_token_and_no_patient_id_reach_logs_or_exception_messages()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Scopes("system/Patient.rs", "system/Observation.rs"));
        var messages = new List<string>();
        await host.Patients.GetPatientContextAsync("t", SandboxPatients.CkdOnMetformin, CancellationToken.None);
        _sandbox.ExpireAllAccessTokens();
        _sandbox.Faults.Status(503, "Observation", times: 1, retryAfterSeconds: 0);
        foreach (var call in new Func<Task>[]
                 {
                     () => host.Clients.ForTenant("t").SearchAsync<AllergyIntolerance>([new("patient", SandboxPatients.CkdOnMetformin)]),
                     () => host.Clients.ForTenant("t").SearchAsync<Observation>([new("patient", SandboxPatients.CkdOnMetformin)]),
                     () => host.Patients.GetPatientContextAsync("t", "eNoSuchPatient.1", CancellationToken.None),
                 })
        {
            var ex = await Record.ExceptionAsync(call);
            Assert.NotNull(ex);
            messages.Add(ex.ToString());
        }

        var token = await host.Tokens.GetTokenAsync("t", CancellationToken.None);
        var text = host.Logs.All + "\n" + string.Join("\n", messages);
        Assert.NotEmpty(host.Logs.Entries);
        Assert.DoesNotContain(token.Value, text);
        Assert.DoesNotContain(token.Value[..20], text);
        Assert.DoesNotContain(SandboxPatients.CkdOnMetformin, text);
        Assert.DoesNotContain("eNoSuchPatient.1", text);
        Assert.DoesNotContain("Bearer ey", text);
    }

    private static DocumentReference Note(string identifier) => new()
    {
        Status = DocumentReferenceStatus.Current,
        Identifier = [new Identifier("urn:cds:note", identifier.Split('|')[1])],
        Subject = new ResourceReference("Patient/" + SandboxPatients.CkdOnMetformin),
        Type = new CodeableConcept(CodeSystems.Loinc, "11506-3", "Progress note"),
        Content = [new DocumentReference.ContentComponent { Attachment = new Attachment { ContentType = "text/plain", Data = "CDS note"u8.ToArray() } }],
    };

    [Fact]
    public async Task Conditional_create_is_retried_on_503_but_an_unconditional_one_is_not()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("WriteBack:Enabled", "true"));
        var client = host.Clients.ForTenant("t");
        var identifier = "urn:cds:note|" + Guid.NewGuid().ToString("N");
        var once = _sandbox.Faults.Status(503, "DocumentReference", times: 1, retryAfterSeconds: 0, method: "POST");
        var created = await client.CreateAsync(Note(identifier), "identifier=" + Uri.EscapeDataString(identifier));
        Assert.True(created.Created);
        Assert.Equal(1, once.Fired);

        var again = _sandbox.Faults.Status(503, "DocumentReference", times: 1, retryAfterSeconds: 0, method: "POST");
        var other = "urn:cds:note|" + Guid.NewGuid().ToString("N");
        var ex = await Assert.ThrowsAsync<EpicFhirCallException>(() => client.CreateAsync(Note(other), ifNoneExist: null));
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(1, again.Fired);
        Assert.Equal(0, _sandbox.State.CreatedCount(other));
    }

    [Fact]
    public async Task Create_with_If_None_Exist_stores_once_and_is_refused_when_write_back_is_off()
    {
        var identifier = "urn:cds:note|" + Guid.NewGuid().ToString("N");
        DocumentReference Note() => PatientContextTests.Note(identifier);

        await using (var off = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl)))
        {
            await Assert.ThrowsAsync<WriteBackDisabledException>(() => off.Clients.ForTenant("t").CreateAsync(Note(), "identifier=" + identifier));
            Assert.Empty(_sandbox.State.Writes);
        }

        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("WriteBack:Enabled", "true"));
        var client = host.Clients.ForTenant("t");
        var first = await client.CreateAsync(Note(), "identifier=" + Uri.EscapeDataString(identifier));
        var second = await client.CreateAsync(Note(), "identifier=" + Uri.EscapeDataString(identifier));

        Assert.True(first.Created);
        Assert.Equal(201, first.StatusCode);
        Assert.NotNull(first.Id);
        Assert.False(second.Created);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal(1, _sandbox.State.CreatedCount(identifier));
    }
}
