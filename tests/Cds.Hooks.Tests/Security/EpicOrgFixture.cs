using System.Text.Json.Nodes;

namespace Cds.Hooks.Tests.Security;

/// <summary>
/// One "Epic organisation" made in the test: its JWKS on a real Kestrel host (RS384, ES384, RS256, ES256 keys with
/// Epic-style kids), an attacker's host, a unique replay schema, and the hook service host configured for tenant "org1".
/// </summary>
public class EpicOrgFixture : IAsyncLifetime
{
    public const string Tenant = "org1";
    public const string JwksPath = "/interconnect-fhir-oauth/api/epic/2019/Security/Open/PublicKeys/530005/OAuth2";

    public ReplaySchema Schema { get; } = new();
    public JwksHost Org { get; private set; } = null!;
    public JwksHost Attacker { get; private set; } = null!;
    public HookAuthTestHost Host { get; private set; } = null!;
    public string Issuer { get; private set; } = "";
    public string Jku { get; private set; } = "";
    public TestKey Rs384 { get; } = TestKey.Create("RS384");
    public TestKey Es384 { get; } = TestKey.Create("ES384");
    public TestKey Rs256 { get; } = TestKey.Create("RS256");
    public TestKey Es256 { get; } = TestKey.Create("ES256");

    public TestKey KeyFor(string alg) => alg switch
    {
        "RS384" => Rs384,
        "ES384" => Es384,
        "RS256" => Rs256,
        "ES256" => Es256,
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    public virtual async Task InitializeAsync()
    {
        Org = await JwksHost.StartAsync();
        Attacker = await JwksHost.StartAsync();
        Issuer = Org.Url("/interconnect-fhir-oauth/api/FHIR/R4/");
        Jku = Org.Publish(JwksPath, TestKey.Jwks(Rs384, Es384, Rs256, Es256));
        Attacker.Publish(JwksPath, TestKey.Jwks(Rs384, Es384));
        Host = await HookAuthTestHost.StartAsync(Configure(new HookAuthSettings(Schema.Name)).Build());
    }

    protected virtual HookAuthSettings Configure(HookAuthSettings settings) => settings.Tenant(Tenant, [Issuer], [Jku]);

    /// <summary>A valid Epic-shaped token for tenant org1, to be modified with `with { ... }`.</summary>
    public HookToken Token(string alg = "RS384") => new()
    {
        Alg = alg,
        Kid = KeyFor(alg).Kid,
        Jku = Jku,
        Iss = Issuer,
        Sub = HookAuthSettings.ClientId,
        Aud = JsonValue.Create(HookAuthSettings.Audience + "/order-select"),
    };

    public virtual async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Org.DisposeAsync();
        await Attacker.DisposeAsync();
        await Schema.DisposeAsync();
        foreach (var k in new[] { Rs384, Es384, Rs256, Es256 })
        {
            k.Dispose();
        }
    }
}
