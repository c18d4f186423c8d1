using Cds.Contracts;

namespace Cds.Rules;

/// <summary>How the context a hook carried and a context read with the backend token combine (pure).</summary>
public static class PatientContextMerge
{
    private static readonly string[] Parts = ["medications", "allergies", "conditions", "labs"];

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
