namespace Cds.EpicSandbox;

/// <summary>The app registrations of the sandbox. Thread-safe; changes apply to the next request.</summary>
public sealed class ClientRegistry
{
    private readonly object _gate = new();
    private readonly List<RegisteredClient> _clients = [];

    public RegisteredClient Register(RegisteredClient client)
    {
        lock (_gate)
        {
            _clients.RemoveAll(c => c.Name == client.Name);
            _clients.Add(client);
        }

        return client;
    }

    public bool Remove(string name)
    {
        lock (_gate)
        {
            return _clients.RemoveAll(c => c.Name == name) > 0;
        }
    }

    public IReadOnlyList<RegisteredClient> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _clients];
            }
        }
    }

    /// <summary>The client registered under <paramref name="name"/> (e.g. <see cref="SandboxClients.PlatformClientName"/>).</summary>
    public RegisteredClient Get(string name) =>
        All.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"No client registered as '{name}'.");

    /// <summary>Changes a registration under the registry's lock.</summary>
    public void Modify(string name, Action<RegisteredClient> change)
    {
        lock (_gate)
        {
            var client = _clients.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"No client registered as '{name}'.");
            change(client);
        }
    }

    /// <summary>Finds a client by an id of either environment; <paramref name="wrongEnvironment"/> is true when the id is the other environment's.</summary>
    public RegisteredClient? FindByClientId(string clientId, SandboxEnvironment environment, out bool wrongEnvironment)
    {
        wrongEnvironment = false;
        foreach (var c in All)
        {
            if (c.ClientIdFor(environment) == clientId)
            {
                return c;
            }

            var other = environment == SandboxEnvironment.Production ? SandboxEnvironment.NonProduction : SandboxEnvironment.Production;
            if (c.ClientIdFor(other) == clientId)
            {
                wrongEnvironment = true;
            }
        }

        return null;
    }

    internal void RegisterDefaults()
    {
        using var rsa = SandboxKeys.LoadRsa(SandboxKeys.BackendRs384PrivateFile);
        using var ec = SandboxKeys.LoadEcdsa(SandboxKeys.BackendEs384PrivateFile);
        var platform = new RegisteredClient
        {
            Name = SandboxClients.PlatformClientName,
            NonProdClientId = SandboxClients.NonProdClientId,
            ProdClientId = SandboxClients.ProdClientId,
        };
        platform.Jwks.Add(SandboxKeys.PublicJwk(rsa, SandboxClients.KeyId, "RS384"));
        platform.Jwks.Add(SandboxKeys.PublicJwk(ec, SandboxClients.Es384KeyId, "ES384"));
        platform.Apis.UnionWith(SandboxClients.DefaultPlatformApis);
        Register(platform);

        var hooks = new RegisteredClient
        {
            Name = SandboxClients.CdsHooksClientName,
            NonProdClientId = SandboxClients.CdsHooksClientId,
            ProdClientId = SandboxClients.CdsHooksClientId,
        };
        hooks.Apis.UnionWith(SandboxClients.DefaultCdsHooksApis);
        Register(hooks);

        foreach (var (name, id, secret) in new[]
        {
            (SandboxClients.SmartAppClientName, SandboxClients.SmartAppClientId, (string?)null),
            (SandboxClients.SmartAppConfidentialClientName, SandboxClients.SmartAppConfidentialClientId, SandboxClients.SmartAppClientSecret),
        })
        {
            var app = new RegisteredClient { Name = name, NonProdClientId = id, ProdClientId = id, ClientSecret = secret };
            app.RedirectUris.Add(SandboxClients.SmartAppDefaultRedirectUri);
            app.Apis.UnionWith(SandboxClients.DefaultSmartAppApis);
            Register(app);
        }
    }
}
