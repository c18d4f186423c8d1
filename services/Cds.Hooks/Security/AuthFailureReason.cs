namespace Cds.Hooks.Security;

/// <summary>Why an Epic hook JWT was refused. Logged and counted (as the kebab-case tag); never sent to the caller.</summary>
public enum AuthFailureReason
{
    MissingToken,
    Malformed,
    AlgorithmNotAllowed,
    UnknownIssuer,
    JkuNotAllowed,
    JkuMissing,
    AmbiguousTenant,
    JwksUnavailable,
    UnknownKid,
    KeyAlgorithmMismatch,
    BadSignature,
    Expired,
    NotYetValid,
    MissingExpiry,
    WrongAudience,
    WrongIssuer,
    WrongSubject,
    /// <summary>No <c>sub</c>, and the tenant requires one (<c>HookAuth:RequireSubject</c>, default true).</summary>
    MissingSubject,
    MissingJti,
    Replay,
    ReplayStoreUnavailable,
    Invalid,
}
