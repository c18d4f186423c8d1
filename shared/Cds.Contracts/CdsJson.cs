using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cds.Contracts;

/// <summary>JSON options for everything the platform writes in CDS Hooks shape: camelCase, no nulls.</summary>
public static class CdsJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
