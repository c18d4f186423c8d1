namespace Cds.Fhir.Http;

/// <summary>Thrown by the response handler when a page would take the call past its byte budget; the page is not read.</summary>
internal sealed class ByteBudgetExceededException(long budget, long alreadyRead, long? pageLength)
    : Exception($"Byte budget of {budget} exceeded ({alreadyRead} read, page of {(pageLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown")} bytes)")
{
    public long Budget { get; } = budget;
    public long AlreadyRead { get; } = alreadyRead;
}
