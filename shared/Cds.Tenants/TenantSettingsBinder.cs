using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Cds.Tenants;

/// <summary>
/// The only code that reads <c>Tenants:{id}</c>: binds every tenant into <see cref="TenantSettings"/>. A misspelt key
/// anywhere in a tenant fails the binding with its name (ErrorOnUnknownConfiguration), so a typo is never silently ignored.
/// </summary>
public static class TenantSettingsBinder
{
    public const string Section = "Tenants";

    /// <summary>The tenant ids under <c>Tenants</c> (for what is registered per tenant; the settings come from the binding).</summary>
    public static IReadOnlyList<string> TenantIds(IConfiguration configuration) =>
        [.. configuration.GetSection(Section).GetChildren().Select(c => c.Key)];

    /// <summary>Every tenant of <paramref name="configuration"/> (the root, or any section holding a <c>Tenants</c> child).</summary>
    public static ConfiguredTenants Bind(IConfiguration configuration)
    {
        var tenants = new ConfiguredTenants();
        BindInto(tenants, configuration);
        return tenants;
    }

    /// <summary>Fills <paramref name="tenants"/> from <paramref name="configuration"/> (what the options registration runs).</summary>
    public static void BindInto(ConfiguredTenants tenants, IConfiguration configuration)
    {
        tenants.Tenants.Clear();
        foreach (var section in configuration.GetSection(Section).GetChildren())
        {
            var tenant = new TenantSettings();
            section.Bind(tenant, b => b.ErrorOnUnknownConfiguration = true);
            // An inline static JWKS written as a JSON object comes back as a tree of sections: rebuilt as its JSON text.
            var inlineJwks = section.GetSection("HookAuth:StaticJwks");
            if (tenant.HookAuth is not null && inlineJwks.Value is null && inlineJwks.GetChildren().Any())
            {
                tenant.HookAuth.StaticJwks = ToJson(inlineJwks).ToJsonString();
            }

            tenants.Tenants[section.Key] = tenant;
        }
    }

    /// <summary>A configuration tree as JSON (numeric keys = array).</summary>
    private static JsonNode ToJson(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return JsonValue.Create(section.Value ?? "")!;
        }

        if (children.All(c => int.TryParse(c.Key, out _)))
        {
            var array = new JsonArray();
            foreach (var c in children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)))
            {
                array.Add(ToJson(c));
            }

            return array;
        }

        var obj = new JsonObject();
        foreach (var c in children)
        {
            obj[c.Key] = ToJson(c);
        }

        return obj;
    }
}
