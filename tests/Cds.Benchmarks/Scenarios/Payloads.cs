using Cds.Contracts;

namespace Cds.Benchmarks.Scenarios;

/// <summary>The message both sides of B2 carry: a real <see cref="EvaluateHook"/> with a small synthetic chart (no PHI).</summary>
public static class Payloads
{
    public static EvaluateHook EvaluateHook(int i)
    {
        var now = DateTimeOffset.UtcNow;
        return new EvaluateHook
        {
            Tenant = "bench",
            HookInstance = $"bench-{i}-{Guid.NewGuid():N}",
            Hook = HookNames.OrderSelect,
            ServiceId = "cds-order-select",
            PatientId = $"bench-patient-{i % 50}",
            EncounterId = "bench-encounter",
            UserId = "Practitioner/bench",
            RequestedAt = now,
            // Far enough that a closed loop on a cold or loaded machine never outruns it: an evaluation taken after its
            // deadline moves to the late queue and gets no response (its hook has answered already).
            Deadline = now.AddSeconds(30),
            Context = new PatientContext
            {
                PatientId = $"bench-patient-{i % 50}",
                AsOf = now,
                BirthDate = new DateOnly(1958, 3, 14),
                ActiveMedications =
                [
                    new MedicationEntry("m1", [new ClinicalCode(CodeSystems.RxNorm, "860975", "metformin 500 MG")], "active", now.AddDays(-90), null),
                    new MedicationEntry("m2", [new ClinicalCode(CodeSystems.RxNorm, "314076", "lisinopril 10 MG")], "active", now.AddDays(-40), null),
                ],
                Allergies = [new AllergyEntry("a1", [new ClinicalCode(CodeSystems.Snomed, "91936005", "Allergy to penicillin")], "active", "high", null)],
                Conditions = [new ConditionEntry("c1", [new ClinicalCode(CodeSystems.Snomed, "44054006", "Diabetes mellitus type 2")], "active", now.AddYears(-6), null)],
                Labs = [new LabResult("l1", [new ClinicalCode(CodeSystems.Loinc, "33914-3", "eGFR")], 38m, "mL/min/{1.73_m2}", now.AddDays(-12), "final")],
            },
            DraftMedications = [new DraftMedication("d1", [new ClinicalCode(CodeSystems.RxNorm, "308182", "amoxicillin 250 MG")], null)],
        };
    }
}
