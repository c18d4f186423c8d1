using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>SMART Backend Services token endpoint with Epic/Inferno strictness, and the access-token table.</summary>
internal sealed class TokenService(SandboxSettings settings, ClientRegistry clients, Func<Uri> tokenEndpoint, HttpClient jwksHttp, TimeProvider time)
{
    public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly ConcurrentDictionary<string, AccessTokenInfo> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedJti = new(StringComparer.Ordinal);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public IReadOnlyCollection<string> Issued => [.. _tokens.Keys];

    public AccessTokenInfo? Lookup(string token) => _tokens.TryGetValue(token, out var info) ? info : null;

    /// <summary>Expires every token issued so far (to test a 401 on an expired token without waiting).</summary>
    public void ExpireAll()
    {
        foreach (var kv in _tokens)
        {
            _tokens[kv.Key] = kv.Value with { ExpiresAt = time.GetUtcNow().AddSeconds(-1) };
        }
    }

    public void Clear()
    {
        _tokens.Clear();
        _usedJti.Clear();
    }

    public (string Token, AccessTokenInfo Info) Mint(RegisteredClient client, string clientId, IReadOnlySet<EpicApi> permissions, string scope, TimeSpan lifetime, bool fromHook,
        string? patient = null)
    {
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var info = new AccessTokenInfo(clientId, client.Name, permissions, scope, time.GetUtcNow() + lifetime, fromHook, patient);
        _tokens[token] = info;
        return (token, info);
    }

    public async Task<TokenResult> HandleAsync(string? contentType, IReadOnlyDictionary<string, string> form, CancellationToken ct)
    {
        if (contentType is null || !contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return Error(400, "invalid_request", "Invalid request content-type header (must be 'application/x-www-form-urlencoded').");
        }

        form.TryGetValue("grant_type", out var grantType);
        if (grantType != "client_credentials")
        {
            return Error(400, "unsupported_grant_type", "The grant_type parameter should equal 'client_credentials'.");
        }

        if (!form.TryGetValue("client_assertion_type", out var assertionType) || assertionType != AssertionType)
        {
            return Error(400, "invalid_request", $"client_assertion_type must be '{AssertionType}'.");
        }

        if (!form.TryGetValue("client_assertion", out var assertion) || string.IsNullOrWhiteSpace(assertion))
        {
            return Error(400, "invalid_request", "client_assertion is missing.");
        }

        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(assertion);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException)
        {
            return Error(400, "invalid_client", "The client assertion is not a well-formed JWT.");
        }

        var alg = jwt.Alg;
        if (alg is not ("RS384" or "ES384"))
        {
            return Error(400, "invalid_client", $"Client assertion alg '{alg}' is not accepted: use RS384 or ES384.", alg: alg);
        }

        if (jwt.Typ != "JWT")
        {
            return Error(400, "invalid_client", "Client assertion header typ must be 'JWT'.", alg: alg);
        }

        if (string.IsNullOrEmpty(jwt.Kid))
        {
            return Error(400, "invalid_client", "Client assertion header has no kid.", alg: alg);
        }

        var iss = Claim(jwt, "iss");
        var sub = Claim(jwt, "sub");
        if (iss is null || sub is null || iss != sub)
        {
            return Error(400, "invalid_client", "Client assertion iss and sub must both equal the client id.", alg: alg);
        }

        if (form.TryGetValue("client_id", out var formClientId) && formClientId != iss)
        {
            return Error(400, "invalid_client", "client_id does not match the assertion's iss/sub.", iss, alg);
        }

        var client = clients.FindByClientId(iss, settings.Environment, out var wrongEnvironment);
        if (client is null)
        {
            var hint = wrongEnvironment
                ? $"This client id belongs to the other environment: this is a {settings.Environment} server."
                : "Unknown client id (Epic: a new registration can take up to a day to propagate).";
            return Error(400, "invalid_client", hint, iss, alg);
        }

        var aud = jwt.Audiences.ToList();
        var expected = tokenEndpoint().ToString();
        if (aud.Count != 1 || aud[0] != expected)
        {
            return Error(400, "invalid_client", $"Invalid token 'aud' value. Must be '{expected}'.", iss, alg);
        }

        var now = time.GetUtcNow();
        if (!jwt.TryGetPayloadValue<long>("exp", out var expSeconds))
        {
            return Error(400, "invalid_client", "Client assertion has no exp.", iss, alg);
        }

        var exp = DateTimeOffset.FromUnixTimeSeconds(expSeconds);
        if (exp <= now - settings.ClockSkew)
        {
            return Error(400, "invalid_client", "Client assertion has expired.", iss, alg);
        }

        if (exp > now + settings.MaxAssertionLifetime + settings.ClockSkew)
        {
            return Error(400, "invalid_client", "Client assertion exp is more than 5 minutes in the future.", iss, alg);
        }

        if (jwt.TryGetPayloadValue<long>("nbf", out var nbfSeconds) && DateTimeOffset.FromUnixTimeSeconds(nbfSeconds) > now + settings.ClockSkew)
        {
            return Error(400, "invalid_client", "Client assertion is not valid yet (nbf).", iss, alg);
        }

        var jti = Claim(jwt, "jti");
        if (string.IsNullOrEmpty(jti))
        {
            return Error(400, "invalid_client", "Client assertion has no jti.", iss, alg);
        }

        if (_usedJti.ContainsKey(iss + "\n" + jti))
        {
            return Error(400, "invalid_client", "Client assertion jti has already been used.", iss, alg);
        }

        var (key, keyError) = await ResolveKeyAsync(client, jwt, ct);
        if (key is null)
        {
            return Error(400, "invalid_client", keyError!, iss, alg);
        }

        var validation = await _handler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [alg],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            TryAllIssuerSigningKeys = false,
        });
        if (!validation.IsValid)
        {
            return Error(400, "invalid_client", "Client assertion signature could not be verified with the registered key.", iss, alg);
        }

        PruneJti(now);
        if (!_usedJti.TryAdd(iss + "\n" + jti, exp))
        {
            return Error(400, "invalid_client", "Client assertion jti has already been used.", iss, alg);
        }

        form.TryGetValue("scope", out var scope);
        var grant = Scopes.Grant(scope, client.Apis.ToHashSet(), out var scopeError);
        if (grant is null)
        {
            return Error(400, "invalid_scope", scopeError!, iss, alg);
        }

        var lifetime = client.AccessTokenLifetime ?? settings.AccessTokenLifetime;
        var (token, _) = Mint(client, iss, grant.Value.Permissions, grant.Value.GrantedScope, lifetime, fromHook: false);
        var body = new JsonObject
        {
            ["access_token"] = token,
            ["token_type"] = "bearer",
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["scope"] = grant.Value.GrantedScope,
        };
        return new TokenResult(200, body, iss, alg, grant.Value.GrantedScope);
    }

    private async Task<(SecurityKey? Key, string? Error)> ResolveKeyAsync(RegisteredClient client, JsonWebToken jwt, CancellationToken ct)
    {
        var kid = jwt.Kid;
        var wantKty = jwt.Alg == "RS384" ? "RSA" : "EC";
        IEnumerable<JsonObject> candidates;
        if (jwt.TryGetHeaderValue<string>("jku", out var jku) && jku is not null)
        {
            if (!Uri.TryCreate(jku, UriKind.Absolute, out var jkuUri) || !client.JwksUrls.Contains(jkuUri))
            {
                return (null, "The jku header is not a JWK Set URL registered for this client.");
            }

            var fetched = await FetchAsync(jkuUri, ct);
            if (fetched is null)
            {
                return (null, "The registered JWK Set URL could not be fetched.");
            }

            candidates = fetched;
        }
        else
        {
            var list = client.Jwks.ToList();
            if (!list.Any(k => (string?)k["kid"] == kid))
            {
                foreach (var url in client.JwksUrls.ToList())
                {
                    list.AddRange(await FetchAsync(url, ct) ?? []);
                }
            }

            candidates = list;
        }

        var match = candidates.FirstOrDefault(k => (string?)k["kid"] == kid);
        if (match is null)
        {
            return (null, $"No public key found in the client's JWKS with kid equal to the assertion's kid.");
        }

        if ((string?)match["kty"] != wantKty)
        {
            return (null, $"The key with this kid is not a {wantKty} key, so it cannot verify {jwt.Alg}.");
        }

        try
        {
            return (new JsonWebKey(match.ToJsonString()), null);
        }
        catch (ArgumentException)
        {
            return (null, "The registered key is not a valid JWK.");
        }
    }

    private async Task<List<JsonObject>?> FetchAsync(Uri url, CancellationToken ct)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            var json = await jwksHttp.GetStringAsync(url, cts.Token);
            return JsonNode.Parse(json)?["keys"]?.AsArray().OfType<JsonObject>().ToList();
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>A jti only needs remembering until its assertion expires (a later replay fails on exp anyway).</summary>
    private void PruneJti(DateTimeOffset now)
    {
        if (_usedJti.Count < 10_000)
        {
            return;
        }

        foreach (var kv in _usedJti.Where(kv => kv.Value < now - settings.ClockSkew - TimeSpan.FromMinutes(1)).ToList())
        {
            _usedJti.TryRemove(kv.Key, out _);
        }

        foreach (var kv in _tokens.Where(kv => kv.Value.ExpiresAt < now - TimeSpan.FromHours(1)).ToList())
        {
            _tokens.TryRemove(kv.Key, out _);
        }
    }

    private static string? Claim(JsonWebToken jwt, string name) =>
        jwt.TryGetPayloadValue<string>(name, out var v) ? v : null;

    private static TokenResult Error(int status, string error, string description, string? clientId = null, string? alg = null) =>
        new(status, new JsonObject { ["error"] = error, ["error_description"] = description }, clientId, alg, null);
}
