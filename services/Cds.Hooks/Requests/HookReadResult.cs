namespace Cds.Hooks.Requests;

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
