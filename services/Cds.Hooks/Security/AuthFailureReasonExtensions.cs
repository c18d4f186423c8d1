namespace Cds.Hooks.Security;

public static class AuthFailureReasonExtensions
{
    /// <summary>The stable tag value used in logs and the <c>reason</c> metric tag.</summary>
    public static string ToTag(this AuthFailureReason reason) => reason switch
    {
        AuthFailureReason.MissingToken => "missing-token",
        AuthFailureReason.Malformed => "malformed",
        AuthFailureReason.AlgorithmNotAllowed => "alg-not-allowed",
        AuthFailureReason.UnknownIssuer => "unknown-issuer",
        AuthFailureReason.JkuNotAllowed => "jku-not-allowed",
        AuthFailureReason.JkuMissing => "jku-missing",
        AuthFailureReason.AmbiguousTenant => "ambiguous-tenant",
        AuthFailureReason.JwksUnavailable => "jwks-unavailable",
        AuthFailureReason.UnknownKid => "unknown-kid",
        AuthFailureReason.KeyAlgorithmMismatch => "key-alg-mismatch",
        AuthFailureReason.BadSignature => "bad-signature",
        AuthFailureReason.Expired => "expired",
        AuthFailureReason.NotYetValid => "not-yet-valid",
        AuthFailureReason.MissingExpiry => "missing-exp",
        AuthFailureReason.WrongAudience => "wrong-audience",
        AuthFailureReason.WrongIssuer => "wrong-issuer",
        AuthFailureReason.WrongSubject => "wrong-subject",
        AuthFailureReason.MissingSubject => "missing-sub",
        AuthFailureReason.MissingJti => "missing-jti",
        AuthFailureReason.Replay => "replay",
        AuthFailureReason.ReplayStoreUnavailable => "replay-store-unavailable",
        _ => "invalid",
    };
}
