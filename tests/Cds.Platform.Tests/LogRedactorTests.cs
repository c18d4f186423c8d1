using Cds.ServiceDefaults;

namespace Cds.Platform.Tests;

/// <summary>The shapes the shared log redaction scrubs (issue 14 item 3), and what it leaves for diagnosis.</summary>
public sealed class LogRedactorTests
{
    [Theory]
    [InlineData("GET https://epic.example.org/api/FHIR/R4/Observation?patient=eAllergyPen.Fx-Q9kd3Tn2wP1&category=laboratory", "eAllergyPen")]
    [InlineData("GET https://epic.example.org/api/FHIR/R4/Patient/eAllergyPen.Fx-Q9kd3Tn2wP1 failed", "eAllergyPen")]
    [InlineData("subject.reference = Encounter/eEnc-123.45 not found", "eEnc-123")]
    [InlineData("Authorization: Bearer abc.def-ghi_jkl~mno+p/q=", "abc.def")]
    [InlineData("token eyJhbGciOiJSUzM4NCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl in header", "eyJhbGciOiJSUzM4NCJ9")]
    [InlineData("{\"access_token\":\"opaque-123456\",\"expires_in\":3600}", "opaque-123456")]
    [InlineData("client_assertion=abcdefghijk&grant_type=client_credentials", "abcdefghijk")]
    [InlineData("{\"patientId\":\"eCkdMetformin.Fx-bR7vLq2Zs3\",\"encounterId\":\"enc1\"}", "eCkdMetformin")]
    [InlineData("{\"name\":[{\"family\":\"Allergy\",\"given\":[\"Penny\"]}],\"birthDate\":\"1958-03-14\"}", "1958-03-14")]
    [InlineData("{\"given\":[\"Penny\"],\"family\":\"Allergy\"}", "Penny")]
    [InlineData("lookup patientId=eLisinopril.Fx-Hk4mNw8Cq3 failed", "eLisinopril")]
    [InlineData("userId: PractitionerRole/e-QokEGUJIzyynNdkCFrs9w3", "e-QokEGUJIzyynNdkCFrs9w3")]
    [InlineData("no chart for MRN FX1001", "FX1001")]
    [InlineData("identifier urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14|202496 unknown", "202496")]
    public void Scrubs_the_shapes_of_tokens_and_patient_identifiers(string text, string secret)
    {
        var redacted = LogRedactor.Redact(text);
        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Contains("[", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hook 3f6b5f0e-2b7a-4a3c-9d9f-1c2e3a4b5c6d on cds-order-select repeated: answering from the store")]
    [InlineData("Tenant sandbox: patient context not readable from Epic: Observation search failed with HTTP 404")]
    [InlineData("at Cds.Fhir.Patients.PatientContextReader.GetPatientContextAsync() in /src/shared/Cds.Fhir/Patients/PatientContextReader.cs:line 80")]
    [InlineData("Marten command failed: PostgresException, SQL state 57P01. Statement: insert into cds.mt_streams (tenant_id, id) values ($1,$2)")]
    public void Leaves_ids_of_hooks_tenants_and_code_alone(string text) => Assert.Equal(text, LogRedactor.Redact(text));

    [Fact]
    public void A_logged_exception_keeps_its_type_and_stack_but_not_the_values_in_its_messages()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("outer", new HttpRequestException("GET /Patient/eDiabetesA1c.Fx-Ty9pJd5Ve3 failed"));
        }
        catch (Exception ex)
        {
            thrown = ex;
        }
        var logged = new RedactedException(thrown);
        Assert.DoesNotContain("eDiabetesA1c", logged.ToString(), StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: outer", logged.ToString(), StringComparison.Ordinal);
        Assert.Contains("HttpRequestException", logged.ToString(), StringComparison.Ordinal);
        Assert.Contains(nameof(A_logged_exception_keeps_its_type_and_stack_but_not_the_values_in_its_messages), logged.StackTrace, StringComparison.Ordinal);
        Assert.Equal(typeof(InvalidOperationException).FullName, logged.OriginalType);
    }
}
