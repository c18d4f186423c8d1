using System.Collections.Concurrent;

namespace Cds.EpicSandbox;

/// <summary>What the sandbox received, for assertions in tests (and `GET /_sandbox/writes|requests`).</summary>
public sealed class SandboxState(int maxRecords = 100_000)
{
    private readonly ConcurrentQueue<WriteRecord> _writes = new();
    private readonly ConcurrentQueue<TokenRequestRecord> _tokens = new();
    private readonly ConcurrentQueue<FhirRequestRecord> _fhir = new();

    public IReadOnlyList<WriteRecord> Writes => [.. _writes];

    public IReadOnlyList<TokenRequestRecord> TokenRequests => [.. _tokens];

    public IReadOnlyList<FhirRequestRecord> FhirRequests => [.. _fhir];

    /// <summary>Every write received per identifier ("system|value"), in arrival order: duplicates show as more than one record.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<WriteRecord>> WritesByIdentifier =>
        Writes.SelectMany(w => w.Identifiers.Select(i => (i, w)))
            .GroupBy(x => x.i, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<WriteRecord>)g.Select(x => x.w).ToList(), StringComparer.Ordinal);

    /// <summary>Writes received for one identifier, given as "system|value" (or just the value: matches any system).</summary>
    public IReadOnlyList<WriteRecord> WritesFor(string identifier) =>
        Writes.Where(w => w.Identifiers.Any(i => i == identifier || i.EndsWith("|" + identifier, StringComparison.Ordinal))).ToList();

    /// <summary>How many resources were actually stored for one identifier (should be 1 when If-None-Exist works).</summary>
    public int CreatedCount(string identifier) => WritesFor(identifier).Count(w => w.Outcome == WriteOutcome.Created);

    /// <summary>Clears the records (not the data, faults or registrations).</summary>
    public void Reset()
    {
        _writes.Clear();
        _tokens.Clear();
        _fhir.Clear();
    }

    internal void Add(WriteRecord r) => Bounded(_writes, r);

    internal void Add(TokenRequestRecord r) => Bounded(_tokens, r);

    internal void Add(FhirRequestRecord r) => Bounded(_fhir, r);

    private void Bounded<T>(ConcurrentQueue<T> queue, T item)
    {
        queue.Enqueue(item);
        while (queue.Count > maxRecords && queue.TryDequeue(out _))
        {
        }
    }
}
