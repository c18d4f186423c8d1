namespace Cds.EventStore;

public static class WriteBackStatuses
{
    public const string Requested = "requested";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
