using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Security;

internal readonly record struct JwksLookup(IReadOnlyList<JsonWebKey> Keys, AuthFailureReason? Failure);
