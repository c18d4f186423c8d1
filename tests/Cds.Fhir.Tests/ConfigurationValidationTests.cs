using System.Security.Cryptography;
using Cds.EpicSandbox;
using Cds.Fhir.Configuration;
using Cds.Testing;
using Microsoft.Extensions.Options;
using Xunit;

namespace Cds.Fhir.Tests;

/// <summary>Start-up validation (ValidateOnStart): each configuration error a person must be able to act on.</summary>
public sealed class ConfigurationValidationTests : IDisposable
{
    private static readonly Uri LocalBase = new("http://127.0.0.1:5180/interconnect-fhir-oauth/api/FHIR/R4/");
    private static readonly Uri EpicSandbox = new("https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/");
    private readonly string _dir = Directory.CreateTempSubdirectory("cds-fhir-keys").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<string> FailureOf(SandboxTenant tenant)
    {
        await using var host = new FhirTestHost(tenant);
        var ex = Record.Exception(host.ValidateOnStart);
        // One options type failing gives OptionsValidationException; several (ours and the resilience handler's) an AggregateException.
        var failures = ex switch
        {
            OptionsValidationException o => o.Failures,
            AggregateException a => a.InnerExceptions.OfType<OptionsValidationException>().SelectMany(o => o.Failures),
            _ => throw new Xunit.Sdk.XunitException($"Expected an options validation failure, got {ex?.GetType().Name ?? "none"}"),
        };
        return string.Join("\n", failures);
    }

    [Fact]
    public async Task A_complete_tenant_passes()
    {
        await using var host = new FhirTestHost(new TenantConfig("ok", LocalBase));
        host.ValidateOnStart();
    }

    [Fact]
    public async Task Prod_id_against_Epic_public_sandbox_is_refused()
    {
        var message = await FailureOf(new TenantConfig("t1", EpicSandbox, "Production"));
        Assert.Contains("Tenant 't1'", message);
        Assert.Contains("Epic's public sandbox", message);
        Assert.Contains("NONPROD", message);
        Assert.Contains("set Environment to NonProduction", message);
    }

    [Fact]
    public async Task Nonprod_id_against_a_production_address_is_refused()
    {
        var message = await FailureOf(new TenantConfig("t2", new Uri("https://epicproxy.example.org/FHIRProxyPRD/api/FHIR/R4/")));
        Assert.Contains("looks like a production endpoint", message);
        Assert.Contains("NONPROD client id would be sent", message);
        Assert.Contains("set Environment to Production", message);
    }

    [Fact]
    public async Task Prod_environment_against_a_test_address_is_refused_unless_allowed()
    {
        var tenant = new TenantConfig("t3", new Uri("https://epicproxy.example.org/FHIRProxyTST/api/FHIR/R4/"), "Production");
        Assert.Contains("looks like a non-production endpoint", await FailureOf(tenant));

        tenant.Set("Backend:AllowUnusualEnvironmentUrl", "true");
        await using var host = new FhirTestHost(tenant);
        host.ValidateOnStart();
    }

    [Fact]
    public async Task Production_without_a_prod_client_id_names_the_missing_id()
    {
        var message = await FailureOf(new TenantConfig("t4", LocalBase, "Production").Set("Backend:ProdClientId", ""));
        Assert.Contains("Backend.ProdClientId is empty", message);
        Assert.Contains("only a NONPROD id is configured", message);
    }

    [Fact]
    public async Task Same_id_for_both_environments_is_refused()
    {
        var message = await FailureOf(new TenantConfig("t5", LocalBase).Set("Backend:ProdClientId", SandboxClients.NonProdClientId));
        Assert.Contains("are the same", message);
    }

    [Fact]
    public async Task Missing_key_file_is_named()
    {
        var path = Path.Combine(_dir, "missing.pem");
        var message = await FailureOf(new TenantConfig("t6", LocalBase).Set("Backend:PrivateKeyPath", path));
        Assert.Contains($"private key file '{path}' (Backend.PrivateKeyPath) does not exist", message);
    }

    [Fact]
    public async Task No_key_at_all_is_named()
    {
        var message = await FailureOf(new TenantConfig("t7", LocalBase).Set("Backend:PrivateKeyPath", null).Set("Backend:PrivateKeyEnv", "CDS_TEST_KEY_THAT_IS_NOT_SET"));
        Assert.Contains("environment variable 'CDS_TEST_KEY_THAT_IS_NOT_SET' (Backend.PrivateKeyEnv) is not set", message);
    }

    [Fact]
    public async Task Unreadable_key_path_is_named()
    {
        // A folder where a file is expected cannot be read, even by root.
        var message = await FailureOf(new TenantConfig("t8", LocalBase).Set("Backend:PrivateKeyPath", _dir));
        Assert.Contains("cannot be read", message);
    }

    [Fact]
    public async Task EC_key_cannot_sign_RS384()
    {
        var message = await FailureOf(new TenantConfig("t9", LocalBase).Set("Backend:PrivateKeyPath", SandboxClients.Es384PrivateKeyPemPath));
        Assert.Contains("is an EC key", message);
        Assert.Contains("RS384", message);
    }

    [Fact]
    public async Task Short_RSA_key_encrypted_key_and_public_key_are_refused()
    {
        using var small = RSA.Create(1024);
        var smallPath = Write("small.pem", small.ExportPkcs8PrivateKeyPem());
        Assert.Contains("1024-bit RSA key", await FailureOf(new TenantConfig("ta", LocalBase).Set("Backend:PrivateKeyPath", smallPath)));

        using var rsa = RSA.Create(2048);
        var encrypted = Write("enc.pem", rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)));
        Assert.Contains("encrypted private key", await FailureOf(new TenantConfig("tb", LocalBase).Set("Backend:PrivateKeyPath", encrypted)));

        var publicOnly = Write("pub.pem", rsa.ExportSubjectPublicKeyInfoPem());
        Assert.Contains("holds no private key", await FailureOf(new TenantConfig("tc", LocalBase).Set("Backend:PrivateKeyPath", publicOnly)));

        var garbage = Write("garbage.pem", "not a key");
        Assert.Contains("is not PEM", await FailureOf(new TenantConfig("td", LocalBase).Set("Backend:PrivateKeyPath", garbage)));
    }

    [Fact]
    public async Task Key_from_environment_variable_as_pem_or_base64_is_accepted()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportRSAPrivateKeyPem();
        var name = "CDS_TEST_KEY_" + Guid.NewGuid().ToString("N");
        try
        {
            Environment.SetEnvironmentVariable(name, pem);
            await using (var host = new FhirTestHost(new TenantConfig("te", LocalBase).Set("Backend:PrivateKeyPath", null).Set("Backend:PrivateKeyEnv", name)))
            {
                host.ValidateOnStart();
            }

            Environment.SetEnvironmentVariable(name, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pem)));
            await using (var host = new FhirTestHost(new TenantConfig("tf", LocalBase).Set("Backend:PrivateKeyPath", null).Set("Backend:PrivateKeyEnv", name)))
            {
                host.ValidateOnStart();
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Theory]
    [InlineData("patient/Observation.rs", "patient-level scope")]
    [InlineData("user/Patient.read", "user-level scope")]
    [InlineData("Observation.Search (Labs) (R4)", "looks like an Epic API name")]
    [InlineData("system/Observation.sr", "neither SMART v1")]
    [InlineData("launch", "interactive SMART launch")]
    [InlineData("system:Observation.read", "unknown syntax")]
    public async Task Unknown_scope_syntax_is_refused(string scope, string expected)
    {
        var message = await FailureOf(new TenantConfig("tg", LocalBase).Scopes("system/Patient.rs", scope));
        Assert.Contains($"scope '{scope}'", message);
        Assert.Contains(expected, message);
    }

    [Theory]
    [InlineData("system/Patient.read")]
    [InlineData("system/*.rs")]
    [InlineData("system/Observation.rs?category=laboratory")]
    [InlineData("system/DocumentReference.c")]
    [InlineData("system/Patient.cruds")]
    public void Valid_scopes_pass(string scope) => Assert.Null(TenantOptionsValidator.ScopeProblem(scope));

    [Fact]
    public async Task Other_problems_are_listed_together_with_their_setting()
    {
        var message = await FailureOf(new TenantConfig("th", new Uri("http://epic.example.org/api/FHIR/R4/"))
            .Set("Backend:KeyId", "")
            .Set("Backend:AssertionLifetime", "00:10:00")
            .Set("Search:MaxPages", "0")
            .Set("Resilience:TotalTimeout", "00:00:01")
            .Scopes());
        Assert.Contains("plain http on a non-loopback host", message);
        Assert.Contains("Backend.KeyId is empty", message);
        Assert.Contains("Backend.AssertionLifetime", message);
        Assert.Contains("Search.MaxPages must be at least 1", message);
        Assert.Contains("Resilience.TotalTimeout", message);
        Assert.Contains("Backend.Scopes is empty", message);
    }

    [Fact]
    public async Task Unknown_tenant_is_a_configuration_error_naming_the_known_ones()
    {
        await using var host = new FhirTestHost(new TenantConfig("known", LocalBase));
        var ex = Assert.Throws<TenantConfigurationException>(() => host.Clients.ForTenant("other"));
        Assert.Contains("Tenant 'other'", ex.Message);
        Assert.Contains("known", ex.Message);
    }

    [Fact]
    public async Task Tenant_ids_are_case_insensitive()
    {
        await using var host = new FhirTestHost(new TenantConfig("Acme-North", LocalBase));
        host.ValidateOnStart();
        Assert.Equal("acme-north", host.Clients.ForTenant("acme-north").Tenant);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
