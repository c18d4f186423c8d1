using System.Text.Json;

namespace Cds.Hooks.Requests;

/// <summary>
/// Recognises Epic's sign of an endpoint URL mismatch (docs/epic-behaviours.md item 4): when the URL called does not exactly match the one
/// registered on the CDS client, Epic still calls but strips the request. Rule: the body is empty or an object that has
/// none of <c>fhirServer</c>, <c>prefetch</c> (non-empty) and a <c>context</c> carrying <c>patientId</c>; a normal Epic call always
/// carries <c>fhirServer</c> and <c>context.patientId</c> (docs/epic-behaviours.md item 2). Not a judgement on validity: a stripped request is also
/// refused by validation; this only says why, for logs and the stripped-request counter.
/// </summary>
public static class StrippedRequestDetector
{
    public static StrippedRequestCheck Inspect(ReadOnlySpan<byte> body)
    {
        var trimmed = body.Trim(" \t\r\n"u8);
        return trimmed.IsEmpty ? new StrippedRequestCheck(true, "empty body") : StrippedRequestCheck.NotStripped;
    }

    public static StrippedRequestCheck Inspect(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return StrippedRequestCheck.NotStripped;

        var hasFhirServer = root.TryGetProperty("fhirServer", out var fs) && fs.ValueKind == JsonValueKind.String && fs.GetString()!.Length > 0;
        var hasPrefetch = root.TryGetProperty("prefetch", out var pf) && pf.ValueKind == JsonValueKind.Object && pf.EnumerateObject().Any();
        var hasContext = root.TryGetProperty("context", out var ctx) && ctx.ValueKind == JsonValueKind.Object && ctx.EnumerateObject().Any();
        var hasPatient = hasContext && ctx.TryGetProperty("patientId", out var pid) && pid.ValueKind == JsonValueKind.String && pid.GetString()!.Length > 0;

        if (hasFhirServer || hasPrefetch || hasPatient)
            return StrippedRequestCheck.NotStripped;

        var missing = new List<string>();
        missing.Add(hasContext ? "context without patientId" : "no context");
        missing.Add("no fhirServer");
        missing.Add("no prefetch");
        if (!root.EnumerateObject().Any())
            return new StrippedRequestCheck(true, "empty JSON object (" + string.Join(", ", missing) + ")");
        return new StrippedRequestCheck(true, string.Join(", ", missing) + " — the Epic endpoint URL probably does not match the registered one");
    }
}
