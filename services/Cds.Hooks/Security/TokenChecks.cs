using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Security;

/// <summary>The validator's two table lookups: which keys may verify which algorithm, and which refusal an exception means.</summary>
internal static class TokenChecks
{
    /// <summary>A key verifies <paramref name="alg"/> only if its own alg (when set), type and curve match it.</summary>
    public static bool KeyFits(JsonWebKey key, string alg)
    {
        if (!string.IsNullOrEmpty(key.Alg) && !string.Equals(key.Alg, alg, StringComparison.Ordinal))
        {
            return false;
        }

        return alg switch
        {
            "RS256" or "RS384" => key.Kty == JsonWebAlgorithmsKeyTypes.RSA,
            "ES256" => key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && key.Crv == JsonWebKeyECTypes.P256,
            "ES384" => key.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && key.Crv == JsonWebKeyECTypes.P384,
            _ => false,
        };
    }

    /// <summary>The refusal reason a token handler's exception stands for (anything else is Invalid).</summary>
    public static AuthFailureReason FailureReason(Exception? e) => e switch
    {
        SecurityTokenExpiredException => AuthFailureReason.Expired,
        SecurityTokenNotYetValidException => AuthFailureReason.NotYetValid,
        SecurityTokenNoExpirationException => AuthFailureReason.MissingExpiry,
        SecurityTokenInvalidAudienceException => AuthFailureReason.WrongAudience,
        SecurityTokenInvalidIssuerException => AuthFailureReason.WrongIssuer,
        SecurityTokenInvalidAlgorithmException => AuthFailureReason.AlgorithmNotAllowed,
        SecurityTokenInvalidSignatureException => AuthFailureReason.BadSignature,
        SecurityTokenMalformedException => AuthFailureReason.Malformed,
        _ => AuthFailureReason.Invalid,
    };
}
