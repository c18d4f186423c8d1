namespace Cds.ServiceDefaults;

/// <summary>
/// An exception as a log provider sees it: the original's message and <c>ToString</c> (type, inner exceptions, stack
/// trace, Npgsql's exception data) scrubbed. Logged only, never thrown.
/// </summary>
public sealed class RedactedException(Exception original) : Exception(LogRedactor.Redact(original.Message))
{
    private readonly string _text = LogRedactor.Redact(original.ToString());

    /// <summary>The original exception's type (this one stands in for it in logs).</summary>
    public string OriginalType { get; } = original.GetType().FullName ?? original.GetType().Name;

    public override string? StackTrace { get; } = original.StackTrace;

    public override string ToString() => _text;
}
