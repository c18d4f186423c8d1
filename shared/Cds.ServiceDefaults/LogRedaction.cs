using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

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

/// <summary>
/// Every logger of the host, whatever its provider (JSON console, OpenTelemetry, a test's capture): messages, state and
/// scope values and exceptions (message and <c>ToString</c>) pass through <see cref="LogRedactor"/> before any provider
/// sees them. Wraps the host's <see cref="LoggerFactory"/> (same providers, filters and scopes).
/// </summary>
internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => state switch
        {
            string text => inner.BeginScope(LogRedactor.Redact(text)),
            IEnumerable<KeyValuePair<string, object?>> pairs => inner.BeginScope(new RedactedState(pairs, state.ToString() ?? "")),
            _ => inner.BeginScope(LogRedactor.Redact(state.ToString())),
        };

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            var redacted = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? new RedactedState(pairs, message)
                : new RedactedState([], message);
            inner.Log(logLevel, eventId, redacted, exception is null ? null : new RedactedException(exception),
                static (s, _) => s.Message);
        }
    }

    /// <summary>The state as providers read it (key/values, <c>{OriginalFormat}</c> included), values scrubbed.</summary>
    private sealed class RedactedState(IEnumerable<KeyValuePair<string, object?>> pairs, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly KeyValuePair<string, object?>[] _pairs =
            [.. pairs.Select(p => new KeyValuePair<string, object?>(p.Key, LogRedactor.RedactValue(p.Key, p.Value)))];

        public string Message { get; } = LogRedactor.Redact(message);

        public KeyValuePair<string, object?> this[int index] => _pairs[index];

        public int Count => _pairs.Length;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_pairs).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}

/// <summary>
/// An exception as a log provider sees it: the original's message and <c>ToString</c> (type, inner exceptions, stack
/// trace, Npgsql's exception data) scrubbed. Logged only, never thrown.
/// </summary>
public sealed class RedactedException(Exception original) : Exception(LogRedactor.Redact(original.Message))
{
    private readonly string _text = LogRedactor.Redact(original.ToString());

    /// <summary>The original exception's type (this one stands in for it in logs).</summary>
    public string OriginalType { get; } = original.GetType().FullName ?? original.GetType().Name;

    public override string? StackTrace { get; } = original.StackTrace;

    public override string ToString() => _text;
}
