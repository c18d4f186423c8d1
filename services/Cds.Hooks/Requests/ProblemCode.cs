namespace Cds.Hooks.Requests;

/// <summary>Why a request (or one of its fields) was refused. Maps onto a FHIR <c>OperationOutcome.issue.code</c>.</summary>
public enum ProblemCode
{
    /// <summary>A value is present but wrong (wrong type, bad format, does not match). issue.code <c>invalid</c>.</summary>
    Invalid,
    /// <summary>A required field is absent or null. issue.code <c>required</c>.</summary>
    Required,
    /// <summary>The body or a resource cannot be read at all (malformed JSON, too deep, wrong JSON shape). issue.code <c>structure</c>.</summary>
    Structure,
    /// <summary>Too large: body over the limit, an array with too many items. issue.code <c>too-long</c>.</summary>
    TooLong,
    /// <summary>Understood but not served (another FHIR version's resource type, unsupported media type). issue.code <c>not-supported</c>.</summary>
    NotSupported,
    /// <summary>The addressed service does not exist. issue.code <c>not-found</c>.</summary>
    NotFound,
    /// <summary>
    /// An order hook without <c>context.draftOrders</c>. Epic only sends draftOrders when the CDS client record has the
    /// unsigned-order scopes (docs/epic-behaviours.md item 2): a configuration fault on the Epic side, reported as 400 with that explanation.
    /// issue.code <c>required</c>.
    /// </summary>
    DraftOrdersScopeMissing,
    /// <summary>The request (its body) did not arrive in time. issue.code <c>timeout</c>.</summary>
    Timeout,
    /// <summary>No CDS Hooks JWT this service accepts (401). issue.code <c>login</c>.</summary>
    Login,
    /// <summary>Authenticated but not allowed (403). issue.code <c>forbidden</c>.</summary>
    Forbidden,
}
