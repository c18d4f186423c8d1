using System.Buffers;
using System.Text.Json;
using Cds.Contracts;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Requests;

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
