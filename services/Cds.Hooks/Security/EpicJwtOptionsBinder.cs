namespace Cds.Hooks.Security;

/// <summary>Reads the configuration into <see cref="EpicJwtOptions"/>.</summary>
internal static class EpicJwtOptionsBinder
{
    public static void Bind(EpicJwtOptions o, IConfiguration configuration)
    {
        var hookAuth = configuration.GetSection("HookAuth");
        o.Enabled = hookAuth.GetValue("Enabled", true);
        o.ReplaySchema = hookAuth["ReplaySchema"] is { Length: > 0 } schema ? schema : o.ReplaySchema;
        o.JwksFetchTimeout = hookAuth.GetValue("JwksFetchTimeout", o.JwksFetchTimeout);
        o.JwksMaxBytes = hookAuth.GetValue("JwksMaxBytes", o.JwksMaxBytes);
        o.JwksMaxAge = hookAuth.GetValue("JwksMaxAge", o.JwksMaxAge);
        o.JwksFailureBackoff = hookAuth.GetValue("JwksFailureBackoff", o.JwksFailureBackoff);
        o.PrefetchJwks = hookAuth.GetValue("PrefetchJwks", o.PrefetchJwks);
        o.ReplayConnectionString = configuration.GetConnectionString("Postgres");

        o.Tenants.Clear();
        foreach (var tenant in configuration.GetSection("Tenants").GetChildren())
        {
            var section = tenant.GetSection("HookAuth");
            if (!section.Exists())
            {
                continue;
            }

            var t = new TenantHookAuthOptions();
            section.Bind(t, b => b.ErrorOnUnknownConfiguration = true);
            var inlineJwks = section.GetSection("StaticJwks");
            if (inlineJwks.Value is null && inlineJwks.GetChildren().Any())
            {
                t.StaticJwks = ToJson(inlineJwks).ToJsonString();
            }

            o.Tenants[tenant.Key] = t;
        }
    }

    /// <summary>An inline JSON object in configuration comes back as a tree of sections: rebuild it (numeric keys = array).</summary>
    private static System.Text.Json.Nodes.JsonNode ToJson(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return System.Text.Json.Nodes.JsonValue.Create(section.Value ?? "")!;
        }

        if (children.All(c => int.TryParse(c.Key, out _)))
        {
            var array = new System.Text.Json.Nodes.JsonArray();
            foreach (var c in children.OrderBy(c => int.Parse(c.Key, System.Globalization.CultureInfo.InvariantCulture)))
            {
                array.Add(ToJson(c));
            }

            return array;
        }

        var obj = new System.Text.Json.Nodes.JsonObject();
        foreach (var c in children)
        {
            obj[c.Key] = ToJson(c);
        }

        return obj;
    }
}
