using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Smart;

/// <summary>A PKCE pair: the verifier stays server-side, the S256 challenge goes to authorize.</summary>
public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce New()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}
