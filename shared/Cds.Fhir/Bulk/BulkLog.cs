namespace Cds.Fhir.Bulk;

internal static partial class BulkLog
{
    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning,
        Message = "A {ResourceType} export file of tenant {Tenant} broke off after {Lines} complete lines (attempt {Attempt}); resuming")]
    public static partial void LogBrokenDownload(this Microsoft.Extensions.Logging.ILogger logger, string tenant, string resourceType, long lines, int attempt);
}
