namespace Cds.Hooks;

/// <summary>
/// The race between the pipeline finishing and the hard stop, settled once: after the pipeline commits, its cards
/// are recorded and sent; after the hard stop abandons, Epic gets no cards and the pipeline records exactly that
/// (and leaves any late result for the next hook).
/// </summary>
internal sealed class AnswerGate
{
    private int _state; // 0 open, 1 committed, 2 abandoned

    /// <summary>True when the answer will be shown (now or already committed).</summary>
    public bool TryCommit() => Interlocked.CompareExchange(ref _state, 1, 0) != 2;

    /// <summary>True when the answer is given up (now or already); false once the pipeline has committed.</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) != 1;

    /// <summary>True once the hard stop has answered without cards (and said so in its log).</summary>
    public bool Abandoned => Volatile.Read(ref _state) == 2;
}
