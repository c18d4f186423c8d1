using System.Net;

namespace Cds.Ops.Rabbit;

public sealed class ManagementApiException(string message, HttpStatusCode status) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
