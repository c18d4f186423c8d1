namespace Cds.Smart;

/// <summary>One clinical fact read live from Epic; <see cref="UsedByRule"/> when its code is in the finding's evidence.</summary>
public sealed record Fact(string Kind, string What, string Value, string? When, bool UsedByRule);
