using System.Text.RegularExpressions;

namespace Cds.ServiceDefaults;

/// <summary>
/// Scrubs the shapes of PHI and credentials from log text: JWTs, bearer/basic credentials, token-like key/values,
/// FHIR ids after a resource type (<c>Patient/123</c>), URL query values (<c>?patient=123</c>), JSON values of
/// person and patient fields, <c>patientId=…</c>-style pairs, MRNs and <c>system|value</c> identifiers. A last line
/// of defence behind the category filters of <see cref="ServiceDefaultsExtensions"/>: it cannot know an id that has
/// none of these shapes, so libraries that log values (Marten's parameters) are configured not to.
/// </summary>
public static partial class LogRedactor
{
    public const string Redacted = "[redacted]";

    private const string ResourceTypes = "Patient|Encounter|Practitioner|PractitionerRole|RelatedPerson|Person|Observation|Condition"
        + "|MedicationRequest|MedicationStatement|MedicationDispense|MedicationAdministration|Medication|AllergyIntolerance"
        + "|DocumentReference|DiagnosticReport|ServiceRequest|Procedure|Immunization|Appointment|Coverage|Account|CarePlan|Goal";

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        var s = Jwt().Replace(text, "[jwt]");
        s = Credential().Replace(s, "$1 " + Redacted);
        s = TokenPair().Replace(s, "$1" + Redacted);
        s = FhirReference().Replace(s, "$1/" + Redacted);
        s = QueryValue().Replace(s, "$1=" + Redacted);
        s = JsonPersonValue().Replace(s, "$1\"" + Redacted + "\"");
        s = JsonPersonArray().Replace(s, "$1[\"" + Redacted + "\"]");
        s = PersonPair().Replace(s, "$1$2" + Redacted);
        s = Mrn().Replace(s, "$1$2" + Redacted);
        s = SystemValue().Replace(s, "$1|" + Redacted);
        return s;
    }

    /// <summary>A state or scope value: strings and other objects' text are scrubbed; numbers, dates, ids of ours and enums kept.</summary>
    internal static object? RedactValue(string key, object? value) => value switch
    {
        null => null,
        _ when IsPersonKey(key) => Redacted,
        string text => Redact(text),
        bool or int or long or short or byte or double or float or decimal or DateTime or DateTimeOffset or TimeSpan or Guid or Enum => value,
        _ => Redact(value.ToString()),
    };

    /// <summary>Structured values that are PHI or secrets by their name alone, whatever their shape.</summary>
    private static bool IsPersonKey(string key) => key.ToUpperInvariant() switch
    {
        "PATIENT" or "PATIENTID" or "ENCOUNTER" or "ENCOUNTERID" or "USER" or "USERID" or "MRN" or "TOKEN" or "ACCESSTOKEN"
            or "AUTHORIZATION" or "BODY" or "REQUESTBODY" or "RESPONSEBODY" or "PARAMETERS" or "HEADERS" => true,
        _ => false,
    };

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex Credential();

    [GeneratedRegex(@"(?i)(""?\b(?:access_token|refresh_token|id_token|client_assertion|client_secret|assertion|password|pwd|authorization|token)""?\s*[:=]\s*""?)(?!\[redacted\]|\[jwt\])[^""\s&,;}]+")]
    private static partial Regex TokenPair();

    [GeneratedRegex(@"\b(" + ResourceTypes + @")/(?!\[redacted\])[A-Za-z0-9\-.]{1,64}")]
    private static partial Regex FhirReference();

    [GeneratedRegex(@"(?<=[?&])([A-Za-z0-9_.:\-]+)=(?!\[redacted\])[^&\s""'#<>]+")]
    private static partial Regex QueryValue();

    [GeneratedRegex(@"(?i)(""(?:patientId|patient|encounterId|encounter|userId|user|subject|mrn|identifier|birthDate|name|family|given|text|telecom|address|reference|value|display)""\s*:\s*)""(?:[^""\\]|\\.)*""")]
    private static partial Regex JsonPersonValue();

    [GeneratedRegex(@"(?i)(""(?:given|prefix|suffix|line|name|telecom|address|identifier)""\s*:\s*)\[\s*""[^\]]*\]")]
    private static partial Regex JsonPersonArray();

    [GeneratedRegex(@"(?i)\b(patientId|patient_id|patient|encounterId|encounter_id|userId|user_id|subject)(\s*[=:]\s*['""]?)(?!\[redacted\])[A-Za-z0-9\-._/]+")]
    private static partial Regex PersonPair();

    [GeneratedRegex(@"(?i)\b(mrn)\b(\W{0,3})(?!\[redacted\])[A-Za-z0-9\-]+")]
    private static partial Regex Mrn();

    [GeneratedRegex(@"(urn:oid:[0-9.]+|https?://[^\s|""]+)\|(?!\[redacted\])[A-Za-z0-9\-.]+")]
    private static partial Regex SystemValue();
}
