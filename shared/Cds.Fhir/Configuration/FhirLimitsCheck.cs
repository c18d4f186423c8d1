using System.Text.RegularExpressions;
using Cds.Tenants;

namespace Cds.Fhir.Configuration;

/// <summary>The start-up checks of <c>Tenants:{id}:Search</c> and <c>Tenants:{id}:Resilience</c> (part of <see cref="TenantOptionsValidator"/>).</summary>
internal static partial class FhirLimitsCheck
{
    internal static void ValidateSearch(SearchOptions s, List<string> p)
    {
        if (s.MaxPages < 1)
        {
            p.Add("Search.MaxPages must be at least 1.");
        }

        if (s.MaxResources < 1)
        {
            p.Add("Search.MaxResources must be at least 1.");
        }

        if (s.MaxBytes < 1024)
        {
            p.Add("Search.MaxBytes must be at least 1024.");
        }

        if (s.PageSize < 0)
        {
            p.Add("Search.PageSize must be 0 (do not send _count) or more.");
        }

        foreach (var (resource, parameters) in s.SupportedParameters)
        {
            if (!ResourceTypePattern().IsMatch(resource))
            {
                p.Add($"Search.SupportedParameters key '{resource}' is not a FHIR resource type name.");
            }

            if (parameters.Any(string.IsNullOrWhiteSpace))
            {
                p.Add($"Search.SupportedParameters:{resource} has an empty entry.");
            }
        }
    }

    internal static void ValidateResilience(FhirResilienceOptions r, List<string> p)
    {
        if (r.MaxRetryAttempts is < 1 or > 10)
        {
            p.Add("Resilience.MaxRetryAttempts must be between 1 and 10.");
        }

        if (r.RetryBaseDelay < TimeSpan.Zero || r.MaxRetryDelay <= TimeSpan.Zero)
        {
            p.Add("Resilience.RetryBaseDelay must not be negative and Resilience.MaxRetryDelay must be positive.");
        }

        if (r.AttemptTimeout < TimeSpan.FromMilliseconds(10))
        {
            p.Add("Resilience.AttemptTimeout must be at least 10 ms.");
        }

        if (r.TotalTimeout <= r.AttemptTimeout)
        {
            p.Add($"Resilience.TotalTimeout ({r.TotalTimeout}) must be longer than Resilience.AttemptTimeout ({r.AttemptTimeout}).");
        }

        if (r.BreakerSamplingDuration < 2 * r.AttemptTimeout)
        {
            p.Add($"Resilience.BreakerSamplingDuration ({r.BreakerSamplingDuration}) must be at least twice Resilience.AttemptTimeout ({r.AttemptTimeout}).");
        }

        if (r.BreakerFailureRatio is <= 0 or > 1)
        {
            p.Add("Resilience.BreakerFailureRatio must be in (0, 1].");
        }

        if (r.BreakerMinimumThroughput < 2)
        {
            p.Add("Resilience.BreakerMinimumThroughput must be at least 2.");
        }

        if (r.BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            p.Add("Resilience.BreakerBreakDuration must be at least 500 ms.");
        }
    }

    [GeneratedRegex("^[A-Z][A-Za-z]+$")]
    private static partial Regex ResourceTypePattern();
}
