namespace Cds.Hooks.Requests;

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
