namespace Cds.Hooks;

/// <summary>What became of one hook's append.</summary>
public enum RecordOutcome
{
    /// <summary>Committed: the hook may answer.</summary>
    Recorded,
    /// <summary>The hookInstance was already recorded (Epic repeated the call): answer what is stored.</summary>
    AlreadyRecorded,
    /// <summary>The call's JWT id was used before (a replayed token): refused 401, nothing recorded.</summary>
    Replay,
    /// <summary>The store is unreachable or refused the batch: the hook answers unrecorded, as when the store is down.</summary>
    Failed,
}
