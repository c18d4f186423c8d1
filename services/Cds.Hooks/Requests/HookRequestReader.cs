using System.Buffers;
using System.Text.Json;
using Cds.Contracts;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;

namespace Cds.Hooks.Requests;

/// <summary>Limits and choices of <see cref="HookRequestReader"/>. Configuration section <c>CdsHooks:Requests</c>.</summary>
public sealed class HookRequestReaderOptions
{
    public const string SectionName = "CdsHooks:Requests";

    /// <summary>Maximum JSON nesting depth (System.Text.Json MaxDepth). Key <c>CdsHooks:Requests:MaxDepth</c>.</summary>
    public int MaxDepth { get; set; } = 64;
    /// <summary>Maximum items in any one JSON array. Key <c>CdsHooks:Requests:MaxArrayItems</c>.</summary>
    public int MaxArrayItems { get; set; } = 10_000;
    /// <summary>Maximum body size in bytes; larger is 413. Key <c>CdsHooks:Requests:MaxBodyBytes</c>.</summary>
    public long MaxBodyBytes { get; set; } = 8 * 1024 * 1024;
    /// <summary>Prefetch values that are not usable FHIR R4. Key <c>CdsHooks:Requests:InvalidPrefetch</c> (Reject | TreatAsMissing).</summary>
    public InvalidPrefetchHandling InvalidPrefetch { get; set; } = InvalidPrefetchHandling.Reject;

    /// <summary>A fresh instance with the defaults (never shared, so never changed by someone else).</summary>
    public static HookRequestReaderOptions Default => new();
}

/// <summary>The outcome of reading a hook request: a request, or problems with the HTTP status to answer (400 or 413).</summary>
public sealed record HookReadResult
{
    public HookRequest? Request { get; init; }
    public IReadOnlyList<RequestProblem> Problems { get; init; } = [];
    /// <summary>200 when <see cref="Succeeded"/>, else 400 (invalid) or 413 (too large).</summary>
    public int StatusCode { get; init; } = StatusCodes.Status200OK;
    /// <summary>Known for failures too: a stripped request fails validation, and this says why.</summary>
    public StrippedRequestCheck Stripped { get; init; } = StrippedRequestCheck.NotStripped;
    /// <summary>The request's extension, when it could be read (also on failure, for the hook event).</summary>
    public EpicRequestExtension? Extension { get; init; }
    /// <summary>hookInstance when it could be read (also on failure), for correlation.</summary>
    public string? HookInstance { get; init; }
    /// <summary>Set only if the reader itself failed unexpectedly (exception type name); the request is then refused with 400.</summary>
    public string? ReaderFault { get; init; }

    public bool Succeeded => Request is not null;

    /// <summary>Whether any problem is the draftOrders configuration fault (docs/epic-behaviours.md item 2).</summary>
    public bool IsDraftOrdersConfigurationFault => Problems.Any(p => p.Code == ProblemCode.DraftOrdersScopeMissing);

    /// <summary>The OperationOutcome response for a failure.</summary>
    public IResult ToProblemResult() => OperationOutcomes.Problem(StatusCode, Problems);
}

/// <summary>
/// Reads and validates a CDS Hooks 2.0 request for a service of a given hook. Never throws for any input: malformed JSON,
/// wrong types, nesting deeper than <see cref="HookRequestReaderOptions.MaxDepth"/>, arrays longer than
/// <see cref="HookRequestReaderOptions.MaxArrayItems"/>, missing fields and invalid FHIR all become problems
/// (field paths such as <c>context.draftOrders.entry[1].resource.subject</c>).
/// </summary>
public static class HookRequestReader
{
    /// <summary>Reads a request body already in memory. <paramref name="expectedHook"/> is the hook the service serves.</summary>
    public static HookReadResult Read(ReadOnlySpan<byte> json, string expectedHook, HookRequestReaderOptions? options = null)
    {
        options ??= HookRequestReaderOptions.Default;
        if (!HookValidators.IsSupported(expectedHook))
            throw new ArgumentOutOfRangeException(nameof(expectedHook), expectedHook, "Not a served hook.");

        try
        {
            return ReadCore(json, expectedHook, options);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Fail(StatusCodes.Status400BadRequest, [new RequestProblem("$", "The request could not be read.", ProblemCode.Structure)])
                with { ReaderFault = ex.GetType().Name };
        }
    }

    /// <summary>Reads a request body from a stream, refusing (413) more than <see cref="HookRequestReaderOptions.MaxBodyBytes"/>.</summary>
    public static async Task<HookReadResult> ReadAsync(Stream body, string expectedHook, HookRequestReaderOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        options ??= HookRequestReaderOptions.Default;
        var (bytes, length, tooLarge, unreadable) = await BodyBuffer.ReadAsync(body, options.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            if (tooLarge)
                return TooLarge(options.MaxBodyBytes);
            if (unreadable)
                return Fail(StatusCodes.Status400BadRequest, [new RequestProblem("$", "The request body could not be read.", ProblemCode.Structure)]);
            return Read(bytes.AsSpan(0, length), expectedHook, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>Whether a request Content-Type is JSON (<c>application/json</c> or <c>application/fhir+json</c>, any charset); else answer 415.</summary>
    public static bool IsJsonContentType(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
            return false;
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/fhir+json", StringComparison.OrdinalIgnoreCase);
    }

    internal static HookReadResult TooLarge(long limit) =>
        Fail(StatusCodes.Status413PayloadTooLarge, [new RequestProblem("$", $"The request body is larger than {limit} bytes.", ProblemCode.TooLong)]);

    private static HookReadResult ReadCore(ReadOnlySpan<byte> json, string expectedHook, HookRequestReaderOptions options)
    {
        var emptyCheck = StrippedRequestDetector.Inspect(json);
        if (emptyCheck.IsStripped)
            return Fail(StatusCodes.Status400BadRequest, [new RequestProblem("$", "The request body is empty.", ProblemCode.Required)]) with { Stripped = emptyCheck };
        if (json.Length > options.MaxBodyBytes)
            return TooLarge(options.MaxBodyBytes);

        if (!JsonBody.TryParse(json, options.MaxDepth, out var root, out var parseProblem))
            return Fail(StatusCodes.Status400BadRequest, [parseProblem!]);
        if (root.ValueKind != JsonValueKind.Object)
            return Fail(StatusCodes.Status400BadRequest, [new RequestProblem("$", "The request body must be a JSON object.", ProblemCode.Structure)]);

        var sizeProblems = JsonBody.CheckArrays(root, options.MaxArrayItems);
        if (sizeProblems.Count > 0)
            return Fail(StatusCodes.Status400BadRequest, sizeProblems);

        var stripped = StrippedRequestDetector.Inspect(root);
        var raw = RawHookRequest.From(root);
        var extension = raw.Extension is { } ext ? EpicRequestExtension.From(ext) : null;
        var hookInstance = JsonRules.Str(raw.HookInstance);

        var problems = new List<RequestProblem>();
        problems.AddRange(HookValidators.ToProblems(HookValidators.Envelope(expectedHook).Validate(raw)));

        var tolerated = new List<RequestProblem>();
        RawHookContext? rawContext = null;
        DraftOrderSet? draftOrders = null;
        if (raw.Context is { ValueKind: JsonValueKind.Object } context)
        {
            rawContext = RawHookContext.From(context);
            problems.AddRange(HookValidators.ToProblems(HookValidators.Context(expectedHook).Validate(rawContext)));

            // Order hooks require draftOrders (validated above); patient-view may carry them when Epic reuses it for a
            // native order trigger (bpa-trigger-action 18/23): read them the same way when they are there.
            if (rawContext.DraftOrders is { ValueKind: JsonValueKind.Object } draftJson
                && JsonRules.Str(RawHookRequest.Get(draftJson, "resourceType")) == "Bundle")
            {
                var read = FhirResourceReader.Read(draftJson, "context.draftOrders");
                problems.AddRange(read.Problems);
                tolerated.AddRange(read.ToleratedIssues);
                if (read.Succeeded)
                {
                    draftOrders = DraftOrderSet.From((Bundle)read.Resource!);
                    if (expectedHook == HookNames.OrderSelect)
                        problems.AddRange(CheckSelections(rawContext.Selections, draftOrders));
                }
            }
        }

        var prefetch = PrefetchSet.Empty;
        if (raw.Prefetch is { ValueKind: JsonValueKind.Object } prefetchJson)
        {
            var (set, prefetchProblems) = PrefetchSet.Classify(prefetchJson, "prefetch", options.InvalidPrefetch);
            prefetch = set;
            problems.AddRange(prefetchProblems);
            tolerated.AddRange(set.Items.SelectMany(i => i.ToleratedIssues));
        }

        if (problems.Count > 0)
        {
            return Fail(StatusCodes.Status400BadRequest, problems) with
            {
                Stripped = stripped,
                Extension = extension,
                HookInstance = hookInstance,
            };
        }

        var request = new HookRequest
        {
            Hook = JsonRules.Str(raw.Hook)!,
            HookInstance = hookInstance!,
            FhirServer = JsonRules.Str(raw.FhirServer) is { } fs ? new Uri(fs, UriKind.Absolute) : null,
            FhirAuthorization = raw.FhirAuthorization is { ValueKind: JsonValueKind.Object } auth ? ReadAuthorization(auth) : null,
            Context = raw.Context!.Value,
            ContextData = new HookContext
            {
                PatientId = JsonRules.Str(rawContext!.PatientId)!,
                UserId = JsonRules.Str(rawContext.UserId)!,
                EncounterId = JsonRules.Str(rawContext.EncounterId),
                Selections = rawContext.Selections is { ValueKind: JsonValueKind.Array } sel
                    ? sel.EnumerateArray().Select(e => e.GetString()!).ToList()
                    : [],
                DraftOrders = draftOrders,
            },
            PrefetchJson = raw.Prefetch is { ValueKind: JsonValueKind.Object } p ? p : null,
            Prefetch = prefetch,
            ExtensionJson = raw.Extension is { ValueKind: JsonValueKind.Object } e2 ? e2 : null,
            Extension = extension,
            Stripped = stripped,
            ToleratedIssues = tolerated,
        };
        return new HookReadResult { Request = request, Stripped = stripped, Extension = extension, HookInstance = hookInstance };
    }

    private static IEnumerable<RequestProblem> CheckSelections(JsonElement? selections, DraftOrderSet draftOrders)
    {
        if (selections is not { ValueKind: JsonValueKind.Array } array)
            yield break;
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } reference && !draftOrders.ContainsOrder(reference))
                yield return new RequestProblem(JsonPath.Index("context.selections", i),
                    "The selection does not refer to an order entry of context.draftOrders.", ProblemCode.Invalid);
            i++;
        }
    }

    private static FhirAuthorization ReadAuthorization(JsonElement auth) => new()
    {
        AccessToken = JsonRules.Str(RawHookRequest.Get(auth, "access_token"))!,
        TokenType = JsonRules.Str(RawHookRequest.Get(auth, "token_type"))!,
        ExpiresIn = RawHookRequest.Get(auth, "expires_in") is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var s) ? s : null,
        Scope = JsonRules.Str(RawHookRequest.Get(auth, "scope")),
        Subject = JsonRules.Str(RawHookRequest.Get(auth, "subject")),
        Patient = JsonRules.Str(RawHookRequest.Get(auth, "patient")),
    };

    private static HookReadResult Fail(int status, IReadOnlyList<RequestProblem> problems) =>
        new() { StatusCode = status, Problems = problems };
}

/// <summary>JSON helpers shared by the request and feedback readers.</summary>
internal static class JsonBody
{
    /// <summary>Parses with a depth limit, no duplicate members, no comments or trailing commas; returns a standalone root (no disposal needed).</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, int maxDepth, out JsonElement root, out RequestProblem? problem)
    {
        root = default;
        problem = null;
        if (json.StartsWith("\uFEFF"u8))
            json = json[3..]; // a UTF-8 byte order mark is tolerated
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            problem = new RequestProblem("$", "The body is not valid UTF-8.", ProblemCode.Structure);
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions
            {
                MaxDepth = maxDepth,
                AllowDuplicateProperties = false,
                AllowTrailingCommas = false,
                CommentHandling = JsonCommentHandling.Disallow,
            });
            root = document.RootElement.Clone();
            return true;
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1})" : "";
            var message = ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? $"The JSON is nested deeper than {maxDepth} levels{where}."
                : ex.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase)
                    ? "The JSON has a duplicate member name."
                    : $"The body is not valid JSON{where}.";
            problem = new RequestProblem("$", message, ProblemCode.Structure);
            return false;
        }
    }

    /// <summary>Problems for arrays longer than <paramref name="maxItems"/> (first 10 found).</summary>
    public static IReadOnlyList<RequestProblem> CheckArrays(JsonElement root, int maxItems)
    {
        var problems = new List<RequestProblem>();
        Walk(root, "", maxItems, problems);
        return problems;
    }

    private static void Walk(JsonElement element, string path, int maxItems, List<RequestProblem> problems)
    {
        if (problems.Count >= 10)
            return;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                    Walk(p.Value, JsonPath.Member(path, p.Name), maxItems, problems);
                break;
            case JsonValueKind.Array:
                var length = element.GetArrayLength();
                if (length > maxItems)
                {
                    problems.Add(new RequestProblem(path.Length == 0 ? "$" : path, $"The array has {length} items; at most {maxItems} are accepted.", ProblemCode.TooLong));
                    return;
                }
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    Walk(item, JsonPath.Index(path, i++), maxItems, problems);
                break;
        }
    }
}

/// <summary>Reads a body into a pooled buffer, stopping past a limit. The server's own refusals (Kestrel's body size
/// limit, a malformed chunked body) become "too large" / "unreadable" instead of an exception.</summary>
internal static class BodyBuffer
{
    public static async Task<(byte[] Buffer, int Length, bool TooLarge, bool Unreadable)> ReadAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        var cap = (int)Math.Min(limit + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(cap, 64 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= cap)
                        return (buffer, length, true, false);
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, cap) - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                    return (buffer, length, length > limit, false);
                length += read;
                if (length > limit)
                    return (buffer, length, true, false);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode != StatusCodes.Status408RequestTimeout) // a stalled body is the caller's 408
        {
            return (buffer, 0, ex.StatusCode == StatusCodes.Status413PayloadTooLarge, ex.StatusCode != StatusCodes.Status413PayloadTooLarge);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
