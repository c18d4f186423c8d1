using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Cds.EventStore;

public sealed partial class HookTimelineProjection : SingleStreamProjection<HookTimeline, string>
{
    public static HookTimeline Create(IEvent<HookReceived> e) => new()
    {
        Id = e.StreamKey!,
        Tenant = e.Data.Tenant,
        Hook = e.Data.Hook,
        ServiceId = e.Data.ServiceId,
        PatientId = e.Data.PatientId,
        EncounterId = e.Data.EncounterId,
        UserId = e.Data.UserId,
        ReceivedAt = e.Data.ReceivedAt,
        Epic = e.Data.Epic,
        Stripped = e.Data.Stripped,
        ClientTenant = e.Data.ClientTenant,
        Entries = [new(e.Data.ReceivedAt, "hook-received",
            $"{e.Data.Hook} via {e.Data.ServiceId}{(e.Data.ClientTenant is null ? "" : $" (caller's tenant claim: {e.Data.ClientTenant})")}")],
    };

    public static void Apply(IEvent<PrefetchResolved> e, HookTimeline t)
    {
        t.Prefetch = e.Data;
        t.Entries.Add(new(e.Timestamp, "prefetch-resolved",
            $"provided {e.Data.Provided.Count}, no data {e.Data.NoData.Count}, fetched {e.Data.Fetched.Count}, unavailable {e.Data.Unavailable.Count}"));
    }

    public static void Apply(EnrichmentCompleted e, HookTimeline t)
    {
        t.Findings = [.. e.Findings];
        t.EnrichedCards = [.. e.Cards];
        t.RuleVersions = [.. e.RuleVersions];
        t.EnrichedAt = e.CompletedAt;
        t.EnrichedLate = e.Late;
        t.Entries.Add(new(e.CompletedAt, "enrichment-completed", $"{e.Findings.Count} finding(s){(e.Late ? ", late" : "")}"));
        if (e.Data is { } data)
        {
            t.PatientData = data;
            t.Entries.Add(new(e.CompletedAt, data.Stale ? "patient-data-stale" : "patient-data", DescribeData(data)));
        }
        if (e.UnrecognisedMedications is { Count: > 0 } unrecognised)
        {
            t.UnrecognisedMedications = [.. unrecognised];
            t.Entries.Add(new(e.CompletedAt, "medications-unrecognised", $"{unrecognised.Count}: {string.Join("; ", unrecognised)}"));
        }
    }

    /// <summary>"epic, read 0 s before the rules", "stale, read 7 min ago: …".</summary>
    public static string DescribeData(PatientDataUsed data)
    {
        var age = data.AgeSeconds is { } s ? $", read {Age(s)} before the rules" : "";
        return $"{data.Source}{age}{(data.Note is null ? "" : ": " + data.Note)}";
    }

    /// <summary>An age for people: "45 s", "7 min", "3 h", "2 d".</summary>
    public static string Age(double seconds) => seconds switch
    {
        < 90 => $"{Math.Max(0, Math.Round(seconds)):0} s",
        < 90 * 60 => $"{Math.Round(seconds / 60):0} min",
        < 48 * 3600 => $"{Math.Round(seconds / 3600):0} h",
        _ => $"{Math.Round(seconds / 86400):0} d",
    };

    public static void Apply(FeedbackReceived e, HookTimeline t)
    {
        t.Feedback.Add(e);
        t.Entries.Add(new(e.ReceivedAt, "feedback-received", $"card {e.CardUuid} {e.Outcome}"));
    }

    public static void Apply(WriteBackRequested e, HookTimeline t)
    {
        var note = t.Notes.Find(n => n.IdentifierValue == e.NoteIdentifierValue);
        if (note is null)
        {
            note = new TimelineNote
            {
                IdentifierSystem = e.NoteIdentifierSystem,
                IdentifierValue = e.NoteIdentifierValue,
                CardUuid = e.CardUuid,
                Outcome = e.Outcome,
                Trigger = e.Trigger,
                RequestedAt = e.RequestedAt,
            };
            t.Notes.Add(note);
        }
        note.Status = WriteBackStatuses.Requested;
        note.Attempts++;
        note.Retryable = null;
        note.FailureReason = null;
        t.Entries.Add(new(e.RequestedAt, "write-back-requested", $"note for card {e.CardUuid} ({e.Trigger}, LOINC {e.NoteTypeLoinc})"));
    }

    public static void Apply(WriteBackSucceeded e, HookTimeline t)
    {
        var note = t.Notes.Find(n => n.IdentifierValue == e.NoteIdentifierValue);
        if (note is not null)
        {
            note.Status = WriteBackStatuses.Succeeded;
            note.EpicId = e.EpicId;
            note.Retryable = null;
            note.FailureReason = null;
            note.CompletedAt = e.SucceededAt;
        }
        t.Entries.Add(new(e.SucceededAt, "write-back-succeeded",
            $"DocumentReference/{e.EpicId} {(e.Created ? "created" : "already existed")}"));
    }

    public static void Apply(WriteBackFailed e, HookTimeline t)
    {
        var note = t.Notes.Find(n => n.IdentifierValue == e.NoteIdentifierValue);
        if (note is not null && note.Status != WriteBackStatuses.Succeeded)
        {
            note.Status = WriteBackStatuses.Failed;
            note.Retryable = e.Retryable;
            note.FailureReason = e.Reason;
            note.CompletedAt = e.FailedAt;
        }
        t.Entries.Add(new(e.FailedAt, "write-back-failed", $"{(e.Retryable ? "retryable" : "not retried")}: {e.Reason}"));
    }

    public static void Apply(CardsReturned e, HookTimeline t)
    {
        t.Cards = [.. e.Cards];
        t.CardSource = e.Source;
        t.LatencyMs = e.LatencyMs;
        t.DeadlineMissed = e.DeadlineMissed;
        t.Entries.Add(new(e.ReturnedAt, "cards-returned", $"{e.Cards.Count} card(s), {e.Source}, {e.LatencyMs:0} ms"));
    }
}
