namespace Cds.Rules;

public sealed record CriticalLabDefinition(
    string Id,
    string Display,
    IReadOnlyList<CodePattern> Codes,
    IReadOnlyList<string> Units,
    int MaxAgeHours,
    decimal? Above = null,
    decimal? Below = null);
