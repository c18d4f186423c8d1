using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cds.EventStore;

namespace Cds.Hooks.Requests;

/// <summary>
/// Reads <c>POST /cds-services/{id}/feedback</c> bodies: the spec shape <c>{ "feedback": [ … ] }</c> and Epic's variants
/// (<c>overrideReasons</c> plural, Epic extension keys, non-UUID card ids), single items and batches (a <c>feedback</c>
/// object instead of an array, a top-level array of items or of bodies). Never throws for any input.
/// </summary>
public static class FeedbackReader
{
    private static readonly FeedbackItemValidator Validator = new();

    public static FeedbackReadResult Read(ReadOnlySpan<byte> json, string? serviceId = null, HookRequestReaderOptions? options = null)
    {
        options ??= HookRequestReaderOptions.Default;
        try
        {
            return ReadCore(json, serviceId, options);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Fail(StatusCodes.Status400BadRequest, [new RequestProblem("$", $"The feedback could not be read ({ex.GetType().Name}).", ProblemCode.Structure)]);
        }
    }

    public static async Task<FeedbackReadResult> ReadAsync(Stream body, string? serviceId = null, HookRequestReaderOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        options ??= HookRequestReaderOptions.Default;
        var (bytes, length, tooLarge, unreadable) = await BodyBuffer.ReadAsync(body, options.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            if (tooLarge)
                return Fail(StatusCodes.Status413PayloadTooLarge, [new RequestProblem("$", $"The request body is larger than {options.MaxBodyBytes} bytes.", ProblemCode.TooLong)]);
            if (unreadable)
                return Fail(StatusCodes.Status400BadRequest, [new RequestProblem("$", "The request body could not be read.", ProblemCode.Structure)]);
            return Read(bytes.AsSpan(0, length), serviceId, options);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static FeedbackReadResult ReadCore(ReadOnlySpan<byte> json, string? serviceId, HookRequestReaderOptions options)
    {
        if (json.Trim(" \t\r\n"u8).IsEmpty)
            return Fail(StatusCodes.Status400BadRequest, [new RequestProblem("$", "The request body is empty.", ProblemCode.Required)]);
        if (json.Length > options.MaxBodyBytes)
            return Fail(StatusCodes.Status413PayloadTooLarge, [new RequestProblem("$", $"The request body is larger than {options.MaxBodyBytes} bytes.", ProblemCode.TooLong)]);
        if (!JsonBody.TryParse(json, options.MaxDepth, out var root, out var parseProblem))
            return Fail(StatusCodes.Status400BadRequest, [parseProblem!]);
        var sizeProblems = JsonBody.CheckArrays(root, options.MaxArrayItems);
        if (sizeProblems.Count > 0)
            return Fail(StatusCodes.Status400BadRequest, sizeProblems);

        var raw = new List<RawFeedbackItem>();
        var problems = new List<RequestProblem>();
        Collect(root, "", raw, problems, topLevel: true);
        if (problems.Count == 0 && raw.Count == 0)
            problems.Add(new RequestProblem("feedback", "No feedback items.", ProblemCode.Required));

        var items = new List<FeedbackItem>();
        for (var index = 0; index < raw.Count; index++)
        {
            var item = raw[index];
            var result = Validator.Validate(item);
            if (!result.IsValid)
            {
                problems.AddRange(HookValidators.ToProblems(result).Select(p => p with
                {
                    Path = p.Path == "item" ? item.Path : JsonPath.Member(item.Path, p.Path),
                }));
                continue;
            }
            items.Add(ToItem(item, index, serviceId));
        }
        return problems.Count > 0
            ? new FeedbackReadResult { Items = items, Problems = problems, StatusCode = StatusCodes.Status400BadRequest }
            : new FeedbackReadResult { Items = items };
    }

    private static void Collect(JsonElement element, string path, List<RawFeedbackItem> items, List<RequestProblem> problems, bool topLevel)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when RawHookRequest.Get(element, "feedback") is { } feedback:
            {
                var feedbackPath = JsonPath.Member(path, "feedback");
                if (feedback.ValueKind == JsonValueKind.Array)
                {
                    var i = 0;
                    foreach (var item in feedback.EnumerateArray())
                        items.Add(new RawFeedbackItem(JsonPath.Index(feedbackPath, i++), item));
                }
                else if (feedback.ValueKind == JsonValueKind.Object)
                    items.Add(new RawFeedbackItem(feedbackPath, feedback));
                else
                    problems.Add(new RequestProblem(feedbackPath, "feedback must be an array of feedback items.", ProblemCode.Invalid));
                break;
            }
            case JsonValueKind.Array when topLevel:
            {
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    var itemPath = JsonPath.Index(path, i++);
                    if (item.ValueKind == JsonValueKind.Object && RawHookRequest.Get(item, "feedback") is not null)
                        Collect(item, itemPath, items, problems, topLevel: false);
                    else
                        items.Add(new RawFeedbackItem(itemPath, item));
                }
                break;
            }
            case JsonValueKind.Object when topLevel && RawHookRequest.Get(element, "card") is not null:
                items.Add(new RawFeedbackItem(path.Length == 0 ? "$" : path, element));
                break;
            default:
                problems.Add(new RequestProblem(path.Length == 0 ? "feedback" : JsonPath.Member(path, "feedback"),
                    "The body must be { \"feedback\": [ … ] }.", ProblemCode.Required));
                break;
        }
    }

    private static FeedbackItem ToItem(RawFeedbackItem raw, int index, string? serviceId)
    {
        var card = JsonRules.Str(raw.Card)!;
        var outcome = NormalizeOutcome(JsonRules.Str(raw.Outcome))!;
        var timestamp = ParseTimestamp(JsonRules.Str(raw.OutcomeTimestamp))!.Value;
        var suggestions = raw.AcceptedSuggestions is { ValueKind: JsonValueKind.Array } a
            ? a.EnumerateArray().Select(s => JsonRules.Str(RawHookRequest.Get(s, "id"))!).ToList()
            : [];
        var reasons = raw.OverrideReason switch
        {
            { ValueKind: JsonValueKind.Object } o => [ReadReason(o)],
            { ValueKind: JsonValueKind.Array } arr => arr.EnumerateArray().Select(ReadReason).ToList(),
            _ => new List<FeedbackOverrideReason>(),
        };
        return new FeedbackItem
        {
            Index = index,
            Card = card,
            Outcome = outcome,
            OutcomeTimestamp = timestamp,
            AcceptedSuggestionIds = suggestions,
            OverrideReasons = reasons,
            Extension = ReadExtension(RawHookRequest.Get(raw.Item, "extension")),
            IdempotencyKey = IdempotencyKey(serviceId, card, outcome, timestamp, suggestions),
        };
    }

    private static FeedbackOverrideReason ReadReason(JsonElement reason)
    {
        var coding = RawHookRequest.Get(reason, "reason");
        return new FeedbackOverrideReason
        {
            Code = coding is { ValueKind: JsonValueKind.Object } c ? JsonRules.Str(RawHookRequest.Get(c, "code")) : null,
            System = coding is { ValueKind: JsonValueKind.Object } s ? JsonRules.Str(RawHookRequest.Get(s, "system")) : null,
            Display = coding is { ValueKind: JsonValueKind.Object } d ? JsonRules.Str(RawHookRequest.Get(d, "display")) : null,
            UserComment = JsonRules.Str(RawHookRequest.Get(reason, "userComment")),
            Extension = ReadExtension(RawHookRequest.Get(reason, "extension")),
        };
    }

    private static Dictionary<string, string> ReadExtension(JsonElement? extension)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (extension is { ValueKind: JsonValueKind.Object } e)
        {
            foreach (var p in e.EnumerateObject())
                result[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        }
        return result;
    }

    internal static string? NormalizeOutcome(string? outcome) => outcome?.Trim().ToLowerInvariant() switch
    {
        FeedbackOutcomes.Accepted => FeedbackOutcomes.Accepted,
        FeedbackOutcomes.Overridden => FeedbackOutcomes.Overridden,
        _ => null,
    };

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd",
    ];

    /// <summary>ISO 8601 date-time (or a date); without an offset it is taken as UTC.</summary>
    internal static DateTimeOffset? ParseTimestamp(string? text) =>
        !string.IsNullOrWhiteSpace(text)
        && DateTimeOffset.TryParseExact(text.Trim(), TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.ToUniversalTime()
            : null;

    /// <summary>
    /// SHA-256 (hex) of service id, card, outcome, the timestamp in UTC and the accepted suggestion ids (sorted): the same
    /// feedback re-sent (Epic retries, batches that overlap) gets the same key; a later outcome for the same card does not.
    /// </summary>
    public static string IdempotencyKey(string? serviceId, string card, string outcome, DateTimeOffset timestamp, IEnumerable<string> suggestionIds)
    {
        var builder = new StringBuilder();
        void Field(string value) => builder.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('|');
        Field(serviceId ?? "");
        Field(card);
        Field(outcome.ToLowerInvariant());
        Field(timestamp.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        foreach (var id in suggestionIds.Order(StringComparer.Ordinal))
            Field(id);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    private static FeedbackReadResult Fail(int status, IReadOnlyList<RequestProblem> problems) => new() { StatusCode = status, Problems = problems };
}
