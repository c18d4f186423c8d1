using Cds.Contracts;
using Cds.Rules;
using Cds.Fhir;
using Cds.Fhir.Auth;
using Cds.Fhir.Configuration;

namespace Cds.Enrichment.Context;

/// <summary>
/// Before the first hook: runs the rules once (JIT), obtains each tenant's backend token (discovery + token
/// request) and its CapabilityStatement (which every search consults), so the first evaluations of a fresh instance do not spend the hook's deadline on them. Failures are
/// logged, not fatal: `tenants check` and readiness say what is wrong.
/// </summary>
internal sealed class EnrichmentWarmup(RuleSet rules, FhirTenantRegistry tenants, BackendTokenProvider tokens, IEpicFhirClientFactory fhir,
    TimeProvider time, ILogger<EnrichmentWarmup> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var hook in new[] { HookNames.PatientView, HookNames.OrderSelect, HookNames.OrderSign })
        {
            RuleEngine.Evaluate(rules, new RuleInput
            {
                Hook = hook,
                Context = new PatientContext { PatientId = "warmup", AsOf = time.GetUtcNow() },
                DraftMedications = [new DraftMedication(null, [new ClinicalCode(CodeSystems.RxNorm, "723")], null)],
                Now = time.GetUtcNow(),
                CardSeed = "warmup",
            });
        }
        foreach (var tenant in tenants.TenantIds)
        {
            try
            {
                await tokens.GetTokenAsync(tenant, stoppingToken);
                await fhir.ForTenant(tenant).WarmUpAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning("Tenant {Tenant}: no backend token at start-up ({Error}); run `tenants check`", tenant, ex.GetType().Name);
            }
        }
    }
}
