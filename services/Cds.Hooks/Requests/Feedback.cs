using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cds.EventStore;
using FluentValidation;
using Microsoft.AspNetCore.Http;

namespace Cds.Hooks.Requests;

/// <summary>
/// Why a card was overridden: the spec's <c>overrideReason { reason: Coding, userComment }</c> or Epic's
/// <c>overrideReasons</c> (plural, an object) whose reason may come only as Epic extension keys
/// (<c>com.epic.cdshooks.feedback.overrideReason.reasonCategory/reasonDisplay/reasonTitle</c>).
/// </summary>
public sealed record FeedbackOverrideReason
{
    public string? Code { get; init; }
    public string? System { get; init; }
    public string? Display { get; init; }
    public string? UserComment { get; init; }
    /// <summary>Extension keys of the reason (Epic's category/display/title), raw values.</summary>
    public IReadOnlyDictionary<string, string> Extension { get; init; } = new Dictionary<string, string>();

    /// <summary>Epic's reason category (an Epic list value), when given.</summary>
    public string? EpicCategory => Extension.GetValueOrDefault("com.epic.cdshooks.feedback.overrideReason.reasonCategory");

    /// <summary>The best display: the coding's, else Epic's reasonDisplay / reasonTitle.</summary>
    public string? BestDisplay => Display
        ?? Extension.GetValueOrDefault("com.epic.cdshooks.feedback.overrideReason.reasonDisplay")
        ?? Extension.GetValueOrDefault("com.epic.cdshooks.feedback.overrideReason.reasonTitle");
}

/// <summary>One feedback item. Card ids are any non-empty string (Epic's are not always UUIDs).</summary>
public sealed record FeedbackItem
{
    /// <summary>Position in the body (after flattening batches), for messages.</summary>
    public required int Index { get; init; }
    public required string Card { get; init; }
    /// <summary><see cref="FeedbackOutcomes.Accepted"/> or <see cref="FeedbackOutcomes.Overridden"/> (lower case).</summary>
    public required string Outcome { get; init; }
    public required DateTimeOffset OutcomeTimestamp { get; init; }
    public IReadOnlyList<string> AcceptedSuggestionIds { get; init; } = [];
    public IReadOnlyList<FeedbackOverrideReason> OverrideReasons { get; init; } = [];
    /// <summary>The item's <c>extension</c> keys (raw values).</summary>
    public IReadOnlyDictionary<string, string> Extension { get; init; } = new Dictionary<string, string>();
    /// <summary>Stable across re-sends of the same feedback: store each item once under this key (see <see cref="FeedbackReader.IdempotencyKey"/>).</summary>
    public required string IdempotencyKey { get; init; }
}

/// <summary>The outcome of reading a feedback body.</summary>
public sealed record FeedbackReadResult
{
    public IReadOnlyList<FeedbackItem> Items { get; init; } = [];
    public IReadOnlyList<RequestProblem> Problems { get; init; } = [];
    /// <summary>200 when there are no problems, else 400 or 413.</summary>
    public int StatusCode { get; init; } = StatusCodes.Status200OK;
    public bool Succeeded => Problems.Count == 0;
    public IResult ToProblemResult() => OperationOutcomes.Problem(StatusCode, Problems);
}

/// <summary>A feedback item's members as sent (null = absent), for validation.</summary>
public sealed record RawFeedbackItem(string Path, JsonElement Item)
{
    public JsonElement? Card => RawHookRequest.Get(Item, "card");
    public JsonElement? Outcome => RawHookRequest.Get(Item, "outcome");
    public JsonElement? OutcomeTimestamp => RawHookRequest.Get(Item, "outcomeTimestamp");
    public JsonElement? AcceptedSuggestions => RawHookRequest.Get(Item, "acceptedSuggestions");
    public JsonElement? OverrideReason => RawHookRequest.Get(Item, "overrideReason") ?? RawHookRequest.Get(Item, "overrideReasons");
    public string OverrideReasonName => RawHookRequest.Get(Item, "overrideReason") is not null ? "overrideReason" : "overrideReasons";
}

/// <summary>Validates one feedback item: card and outcome required, outcome accepted|overridden, outcomeTimestamp an ISO 8601 date-time.</summary>
public sealed class FeedbackItemValidator : AbstractValidator<RawFeedbackItem>
{
    public FeedbackItemValidator()
    {
        RuleFor(i => i.Item)
            .Must(e => e.ValueKind == JsonValueKind.Object)
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage("A feedback item must be an object.")
            .OverridePropertyName("item");
        When(i => i.Item.ValueKind == JsonValueKind.Object, () =>
        {
            RuleFor(i => i.Card).RequiredString("card", 1024);
            RuleFor(i => i.Outcome).RequiredString("outcome", 64);
            RuleFor(i => i.Outcome)
                .Must(e => FeedbackReader.NormalizeOutcome(JsonRules.Str(e)) is not null)
                .When(i => JsonRules.NonBlankString(i.Outcome))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("outcome must be 'accepted' or 'overridden'.")
                .OverridePropertyName("outcome");
            RuleFor(i => i.OutcomeTimestamp).RequiredString("outcomeTimestamp", 64);
            RuleFor(i => i.OutcomeTimestamp)
                .Must(e => FeedbackReader.ParseTimestamp(JsonRules.Str(e)) is not null)
                .When(i => JsonRules.NonBlankString(i.OutcomeTimestamp))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("outcomeTimestamp must be an ISO 8601 date-time.")
                .OverridePropertyName("outcomeTimestamp");
            RuleFor(i => i.AcceptedSuggestions)
                .Must(e => e!.Value.ValueKind == JsonValueKind.Array
                    && e.Value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.Object && JsonRules.NonBlankString(RawHookRequest.Get(s, "id"))))
                .When(i => JsonRules.Present(i.AcceptedSuggestions))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("acceptedSuggestions must be an array of objects with a non-empty id.")
                .OverridePropertyName("acceptedSuggestions");
            RuleFor(i => i.OverrideReason)
                .Must(e => e!.Value.ValueKind is JsonValueKind.Object
                    || (e.Value.ValueKind == JsonValueKind.Array && e.Value.EnumerateArray().All(r => r.ValueKind == JsonValueKind.Object)))
                .When(i => JsonRules.Present(i.OverrideReason))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("overrideReason must be an object (or an array of objects).")
                .OverridePropertyName("overrideReason");
        });
    }
}

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
