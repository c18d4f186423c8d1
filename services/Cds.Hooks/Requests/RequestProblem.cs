namespace Cds.Hooks.Requests;

/// <summary>One problem with a request: the field as a JSON path (<c>context.patientId</c>), a message with no PHI, a code.</summary>
public sealed record RequestProblem(string Path, string Message, ProblemCode Code = ProblemCode.Invalid)
{
    /// <summary>The FHIR IssueType code for <see cref="Code"/>.</summary>
    public string IssueCode => Code switch
    {
        ProblemCode.Required or ProblemCode.DraftOrdersScopeMissing => "required",
        ProblemCode.Structure => "structure",
        ProblemCode.TooLong => "too-long",
        ProblemCode.NotSupported => "not-supported",
        ProblemCode.NotFound => "not-found",
        ProblemCode.Timeout => "timeout",
        ProblemCode.Login => "login",
        ProblemCode.Forbidden => "forbidden",
        _ => "invalid",
    };

    public override string ToString() => $"{Path}: {Message} ({IssueCode})";
}
