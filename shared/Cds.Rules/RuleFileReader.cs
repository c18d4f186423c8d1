using System.Globalization;
using System.Text.Json;

namespace Cds.Rules;

/// <summary>One problem found in a rule data file.</summary>
public sealed record RuleValidationError(string File, string Path, string Message)
{
    public override string ToString() => $"{File} {Path}: {Message}";
}

/// <summary>Every problem found while loading a rule set, in one exception (file and JSON path for each).</summary>
public sealed class RuleSetValidationException : Exception
{
    public RuleSetValidationException(IReadOnlyList<RuleValidationError> errors)
        : base(BuildMessage(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<RuleValidationError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<RuleValidationError> errors) =>
        $"The clinical rule set is invalid ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}):"
        + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e));
}

/// <summary>Collects errors for one file.</summary>
internal sealed class ErrorSink(string file, List<RuleValidationError> errors)
{
    public string File { get; } = file;

    public void Add(string path, string message) => errors.Add(new RuleValidationError(File, path, message));
}

/// <summary>
/// Strict reader over a JSON object: typed getters that record a problem (with its JSON path) instead of throwing,
/// and <see cref="Done"/> to report properties nobody asked for (typos such as "egfrBellow").
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly JsonElement _element;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public JsonObjectReader(JsonElement element, string path, ErrorSink errors)
    {
        _element = element;
        Path = path;
        Errors = errors;
    }

    public string Path { get; }
    public ErrorSink Errors { get; }

    public string At(string name) => $"{Path}.{name}";

    public void Problem(string name, string message) => Errors.Add(At(name), message);

    private bool TryGet(string name, bool required, out JsonElement value)
    {
        _known.Add(name);
        if (_element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (required)
        {
            Errors.Add(At(name), "is required");
        }

        return false;
    }

    public string? String(string name, bool required = true)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Errors.Add(At(name), "must be a string");
            return null;
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            Errors.Add(At(name), "must not be empty");
            return null;
        }

        return text;
    }

    public decimal? Number(string name, bool required = true)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var number))
        {
            Errors.Add(At(name), "must be a number");
            return null;
        }

        return number;
    }

    public int? PositiveInt(string name, bool required = true)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number <= 0)
        {
            Errors.Add(At(name), "must be a positive whole number");
            return null;
        }

        return number;
    }

    public bool Bool(string name, bool defaultValue)
    {
        if (!TryGet(name, required: false, out var value))
        {
            return defaultValue;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Errors.Add(At(name), "must be true or false");
            return defaultValue;
        }

        return value.GetBoolean();
    }

    public JsonObjectReader? Object(string name, bool required = true)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Errors.Add(At(name), "must be an object");
            return null;
        }

        return new JsonObjectReader(value, At(name), Errors);
    }

    /// <summary>Array of objects; null when missing (and reported when required).</summary>
    public IReadOnlyList<JsonObjectReader>? Objects(string name, bool required = true, bool allowEmpty = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Errors.Add(At(name), "must be an array");
            return null;
        }

        var list = new List<JsonObjectReader>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"{At(name)}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                Errors.Add(path, "must be an object");
                continue;
            }

            list.Add(new JsonObjectReader(item, path, Errors));
        }

        if (list.Count == 0 && !allowEmpty && i == 0)
        {
            Errors.Add(At(name), "must not be empty");
        }

        return list;
    }

    public IReadOnlyList<(string Value, string Path)>? Strings(string name, bool required = true, bool allowEmpty = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Errors.Add(At(name), "must be an array of strings");
            return null;
        }

        var list = new List<(string, string)>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"{At(name)}[{i++}]";
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                Errors.Add(path, "must be a non-empty string");
                continue;
            }

            list.Add((item.GetString()!, path));
        }

        if (i == 0 && !allowEmpty)
        {
            Errors.Add(At(name), "must not be empty");
        }

        return list;
    }

    /// <summary>A string → string map (templates).</summary>
    public IReadOnlyDictionary<string, (string Value, string Path)>? StringMap(string name, bool required = true)
    {
        var obj = Object(name, required);
        if (obj is null)
        {
            return null;
        }

        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var property in obj._element.EnumerateObject())
        {
            obj._known.Add(property.Name);
            var path = obj.At(property.Name);
            if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
            {
                Errors.Add(path, "must be a non-empty string");
                continue;
            }

            map[property.Name] = (property.Value.GetString()!, path);
        }

        return map;
    }

    /// <summary>Reports properties that no getter asked for. Call after reading everything.</summary>
    public void Done()
    {
        foreach (var property in _element.EnumerateObject())
        {
            if (!_known.Contains(property.Name))
            {
                Errors.Add(At(property.Name), "is not a known property");
            }
        }
    }

    public static string Format(decimal value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
