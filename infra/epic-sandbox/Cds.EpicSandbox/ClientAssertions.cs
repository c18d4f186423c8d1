using System.Text;
using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>Client assertions for the sandbox's token endpoint (what a SMART Backend Services client sends).</summary>
public static class ClientAssertions
{
    /// <summary>An RS384 (or ES384 with tweak Alg = "ES384") assertion for the platform client, valid for 4 minutes, fresh jti.</summary>
    public static string Create(Uri tokenEndpoint, string clientId = SandboxClients.NonProdClientId, Action<JwtOverrides>? tweak = null)
    {
        var now = DateTimeOffset.UtcNow;
        var o = new JwtOverrides();
        tweak?.Invoke(o);
        var alg = o.Alg ?? "RS384";
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = alg == "ES384" ? SandboxClients.Es384KeyId : SandboxClients.KeyId };
        var payload = new JsonObject
        {
            ["iss"] = clientId, ["sub"] = clientId, ["aud"] = tokenEndpoint.ToString(), ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddMinutes(4).ToUnixTimeSeconds(),
        };
        using var rsa = SandboxKeys.LoadRsa(SandboxKeys.BackendRs384PrivateFile);
        using var ec = SandboxKeys.LoadEcdsa(SandboxKeys.BackendEs384PrivateFile);
        var secret = Encoding.UTF8.GetBytes(File.ReadAllText(SandboxKeys.PathOf("backend-client-rs384.public.pem")));
        return JwtComposer.Sign(header, payload, a => a.StartsWith("ES", StringComparison.Ordinal) ? ec : rsa, tweak, secret);
    }

    /// <summary>The form body of a client_credentials token request.</summary>
    public static FormUrlEncodedContent TokenRequest(string assertion, string? scope = "system/Patient.read system/Observation.read")
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_assertion_type", TokenService.AssertionType),
            new("client_assertion", assertion),
        };
        if (scope is not null)
        {
            fields.Add(new("scope", scope));
        }

        return new FormUrlEncodedContent(fields);
    }
}
