using Cds.EpicSandbox;

namespace Cds.Testing;

/// <summary>
/// The flat settings (<c>Tenants:{id}:…</c>) of one tenant whose Epic is our sandbox, as
/// <c>infra/local/tenants.sandbox.json</c> describes it: the NONPROD and PROD client ids, the registered backend key,
/// the clinical read scopes and, when the hook JWKS URL is given, the hook JWT issuer, jku allowlist and client id.
/// Tests change what they need with <see cref="Set"/> and <see cref="Scopes"/>; the rest stays as a real tenant has it.
/// </summary>
public class SandboxTenant
{
    /// <summary>What enrichment reads and write-back writes.</summary>
    public static readonly string[] ClinicalScopes =
    [
        "system/Patient.rs", "system/MedicationRequest.rs", "system/Medication.rs", "system/AllergyIntolerance.rs",
        "system/Condition.rs", "system/Observation.rs", "system/DocumentReference.c",
    ];

    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public SandboxTenant(string id, Uri fhirBaseUrl, Uri? hookJwksUrl = null, string name = "Local Epic sandbox")
    {
        Id = id;
        Set("Name", name);
        Set("Environment", "NonProduction");
        Set("FhirBaseUrl", fhirBaseUrl.ToString());
        Set("Backend:NonProdClientId", SandboxClients.NonProdClientId);
        Set("Backend:ProdClientId", SandboxClients.ProdClientId);
        Set("Backend:PrivateKeyPath", SandboxClients.PrivateKeyPemPath);
        Set("Backend:KeyId", SandboxClients.KeyId);
        Scopes(ClinicalScopes);
        if (hookJwksUrl is not null)
        {
            Set("HookAuth:Issuers:0", fhirBaseUrl.ToString());
            Set("HookAuth:JkuAllowlist:0", hookJwksUrl.ToString());
            Set("HookAuth:ClientId", SandboxClients.CdsHooksClientId);
        }
    }

    /// <summary>The tenant of <paramref name="sandbox"/>, hook JWT settings included.</summary>
    public static SandboxTenant Of(EpicSandboxServer sandbox, string id, string name = "Local Epic sandbox") =>
        new(id, sandbox.FhirBaseUrl, sandbox.HookJwksUrl, name);

    public string Id { get; }

    /// <summary>Sets (or, with null, removes) <c>Tenants:{id}:{key}</c>.</summary>
    public SandboxTenant Set(string key, string? value)
    {
        if (value is null)
        {
            _values.Remove($"Tenants:{Id}:{key}");
        }
        else
        {
            _values[$"Tenants:{Id}:{key}"] = value;
        }
        return this;
    }

    /// <summary>Replaces the backend scopes.</summary>
    public SandboxTenant Scopes(params string[] scopes)
    {
        foreach (var key in _values.Keys.Where(k => k.StartsWith($"Tenants:{Id}:Backend:Scopes:", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            _values.Remove(key);
        }
        for (var i = 0; i < scopes.Length; i++)
        {
            Set($"Backend:Scopes:{i}", scopes[i]);
        }
        return this;
    }

    /// <summary>Configuration keys (':' separated).</summary>
    public IEnumerable<KeyValuePair<string, string?>> Values => _values;

    /// <summary>The same settings as environment variables of a child process ('__' separated).</summary>
    public IEnumerable<KeyValuePair<string, string>> Environment =>
        _values.Select(kv => KeyValuePair.Create(kv.Key.Replace(":", "__", StringComparison.Ordinal), kv.Value!));

    public Dictionary<string, string?> ToDictionary() => new(_values, StringComparer.OrdinalIgnoreCase);
}
