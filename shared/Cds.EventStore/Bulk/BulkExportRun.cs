namespace Cds.EventStore.Bulk;

/// <summary>An export's state, folded from its stream.</summary>
public sealed class BulkExportRun
{
    public string ExportId { get; private set; } = "";
    public string Tenant { get; private set; } = "";
    public string GroupId { get; private set; } = "";
    public IReadOnlyList<string> Types { get; private set; } = [];
    public DateTimeOffset? Since { get; private set; }
    public DateTimeOffset RequestedAt { get; private set; }
    public string? StatusUrl { get; private set; }
    public string? Progress { get; private set; }
    public DateTimeOffset? TransactionTime { get; private set; }
    public bool RequiresAccessToken { get; private set; }
    public IReadOnlyList<BulkFileListed>? Files { get; private set; }
    public Dictionary<string, BulkExportFileImported> Imported { get; } = new(StringComparer.Ordinal);
    public BulkExportCompleted? Completed { get; private set; }
    public BulkExportFailed? Failed { get; private set; }

    public bool Finished => Completed is not null || Failed is not null;

    public long ResourcesImported => Imported.Values.Sum(f => f.Resources);

    public long BytesImported => Imported.Values.Sum(f => f.Bytes);

    public string State => Completed is not null ? "completed" : Failed is not null ? "failed" : Files is not null ? "importing" : StatusUrl is not null ? "exporting" : "requested";

    public static BulkExportRun Fold(IEnumerable<object> events)
    {
        var run = new BulkExportRun();
        foreach (var e in events)
        {
            run.Apply(e);
        }

        return run;
    }

    public void Apply(object e)
    {
        switch (e)
        {
            case BulkExportRequested r:
                (ExportId, Tenant, GroupId, Types, Since, RequestedAt) = (r.ExportId, r.Tenant, r.GroupId, r.Types, r.Since, r.RequestedAt);
                break;
            case BulkExportAccepted a:
                StatusUrl = a.StatusUrl;
                break;
            case BulkExportProgressed p:
                Progress = p.Progress;
                break;
            case BulkExportFilesListed l:
                (TransactionTime, RequiresAccessToken, Files) = (l.TransactionTime, l.RequiresAccessToken, l.Files);
                break;
            case BulkExportFileImported i:
                Imported[i.Url] = i;
                break;
            case BulkExportCompleted c:
                Completed = c;
                break;
            case BulkExportFailed f:
                Failed = f;
                break;
        }
    }
}
