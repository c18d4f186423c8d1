namespace Cds.Rules;

/// <summary>Every problem of the tenants' rule tuning, in one exception thrown at start-up (each named by its setting).</summary>
public sealed class RuleTuningException : Exception
{
    public RuleTuningException(IReadOnlyList<RuleTuningError> errors)
        : base($"The tenants' rule tuning is invalid ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}):"
               + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e)))
    {
        Errors = errors;
    }

    public IReadOnlyList<RuleTuningError> Errors { get; }
}
