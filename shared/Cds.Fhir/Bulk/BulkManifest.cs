using System.Text.Json;

namespace Cds.Fhir.Bulk;

/// <summary>The complete-status manifest of a Bulk Data export.</summary>
public sealed record BulkManifest(DateTimeOffset TransactionTime, string? Request, bool RequiresAccessToken,
    IReadOnlyList<BulkOutputFile> Output, IReadOnlyList<BulkOutputFile> Error)
{
    /// <summary>Parses the manifest JSON; <see cref="FormatException"/> naming the field when it is not one.</summary>
    public static BulkManifest Parse(ReadOnlySpan<byte> json, Uri baseUri)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("The export manifest is not a JSON object.");
        }

        if (!root.TryGetProperty("transactionTime", out var tt) || tt.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(tt.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var transactionTime))
        {
            throw new FormatException("The export manifest has no valid transactionTime.");
        }

        var request = root.TryGetProperty("request", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        var requiresToken = root.TryGetProperty("requiresAccessToken", out var rat) && rat.ValueKind == JsonValueKind.True;
        return new BulkManifest(transactionTime, request, requiresToken, Files(root, "output", baseUri), Files(root, "error", baseUri));
    }

    private static List<BulkOutputFile> Files(JsonElement root, string name, Uri baseUri)
    {
        var files = new List<BulkOutputFile>();
        if (!root.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            if (name == "output")
            {
                throw new FormatException("The export manifest has no output array.");
            }

            return files;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || !item.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String
                || !Uri.TryCreate(baseUri, url.GetString(), out var uri))
            {
                throw new FormatException($"An entry of the manifest's {name} array lacks a type or a url.");
            }

            long? count = item.TryGetProperty("count", out var c) && c.TryGetInt64(out var n) ? n : null;
            files.Add(new BulkOutputFile(type.GetString()!, uri, count));
        }

        return files;
    }
}
