using Cds.Contracts;
using Cds.EventStore;
using Cds.Fhir;
using Cds.Fhir.Patients;
using Marten;
using Microsoft.Extensions.Options;

namespace Cds.Enrichment.Context;

public sealed class EnrichmentOptions
{
    public const string Section = "Enrichment";

    /// <summary>How long a patient context read from Epic is reused ("warm") for the next hooks of the same patient.</summary>
    public TimeSpan WarmContextTtl { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Fills what the hook's prefetch did not carry: from the warm context of an earlier hook when it is fresh enough,
/// otherwise from the tenant's Epic through the SMART backend client (never the hook's token). A part that stays
/// unknown stays a gap: the rules never read "unknown" as "none".
/// </summary>
public sealed class PatientContextCompletion(IPatientContextReader reader, IOptions<EnrichmentOptions> options, TimeProvider time,
    ILogger<PatientContextCompletion> log)
{
    private static readonly string[] Parts = ["medications", "allergies", "conditions", "labs"];

    public async Task<PatientContext?> CompleteAsync(IDocumentSession session, string tenant, string patientId, PatientContext? given, CancellationToken ct)
    {
        if (given is { Gaps.Count: 0 })
        {
            return given;
        }

        var warm = await session.LoadAsync<WarmPatientContext>(patientId, ct);
        var now = time.GetUtcNow();
        PatientContext? backend = warm is not null && now - warm.ReadAt <= options.Value.WarmContextTtl ? warm.Context : null;
        if (backend is null)
        {
            try
            {
                backend = await reader.GetPatientContextAsync(tenant, patientId, ct);
                session.Store(new WarmPatientContext { Id = patientId, Context = backend, ReadAt = now });
            }
            catch (EpicFhirException ex)
            {
                // The message names tenant, resource, interaction and the fix; never a token or patient data.
                log.LogWarning("Tenant {Tenant}: patient context not readable from Epic: {Reason}", tenant, ex.Message);
            }
        }
        return Merge(given, backend);
    }

    /// <summary>Prefetch parts win; a part the prefetch lacked comes from the backend read unless that is a gap too.</summary>
    public static PatientContext? Merge(PatientContext? given, PatientContext? backend)
    {
        if (given is null || backend is null)
        {
            return given ?? backend;
        }
        bool Gap(PatientContext c, string part) => c.Gaps.Any(g => g.StartsWith(part + ":", StringComparison.Ordinal) || g == part);
        bool FromBackend(string part) => Gap(given, part) && !Gap(backend, part);
        return given with
        {
            BirthDate = given.BirthDate ?? backend.BirthDate,
            ActiveMedications = FromBackend("medications") ? backend.ActiveMedications : given.ActiveMedications,
            Allergies = FromBackend("allergies") ? backend.Allergies : given.Allergies,
            Conditions = FromBackend("conditions") ? backend.Conditions : given.Conditions,
            Labs = FromBackend("labs") ? backend.Labs : given.Labs,
            Gaps = [.. given.Gaps.Where(g => !Parts.Any(p => g.StartsWith(p + ":", StringComparison.Ordinal) && FromBackend(p)))],
        };
    }
}
