namespace Cds.Fhir;

/// <summary>Small readings of what comes back on the wire: a status line's code, a Location's id, a next link's query.</summary>
internal static class FhirWire
{
    /// <summary>The numeric code at the start of a Firely status string ("201 Created" gives 201), or null.</summary>
    public static int? ParseStatus(string? status)
    {
        if (string.IsNullOrEmpty(status))
        {
            return null;
        }

        var digits = new string(status.TakeWhile(char.IsDigit).ToArray());
        return int.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : null;
    }

    /// <summary>The id after <paramref name="type"/> in a Location header (query ignored), or null.</summary>
    public static string? IdFromLocation(string? location, string type)
    {
        if (string.IsNullOrEmpty(location))
        {
            return null;
        }

        var segments = location.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.LastIndexOf(segments, type);
        return i >= 0 && i + 1 < segments.Length ? segments[i + 1] : null;
    }

    /// <summary>A query string's name/value pairs, unescaped, in order (Firely's search parameter shape).</summary>
    public static List<Tuple<string, string>> ParseQuery(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(kv => Tuple.Create(Uri.UnescapeDataString(kv[0]), kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : ""))
            .ToList();
}
