namespace Cds.Contracts;

public static class Indicators
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";

    public static int Rank(string indicator) => indicator switch { Critical => 3, Warning => 2, Info => 1, _ => 0 };
}
