namespace Cds.EpicSandbox;

/// <summary>Fault rules applied to the FHIR API and the token endpoint (not to /_sandbox). First matching firing rule wins.</summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<FaultRule> _rules = [];

    public FaultRule Add(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Answers matching requests with <paramref name="status"/> (429/503 carry Retry-After).</summary>
    public FaultRule Status(int status, string? resourceType = null, int? times = null, int? retryAfterSeconds = null, string? method = null) =>
        Add(new FaultRule { Status = status, ResourceType = resourceType, Times = times, RetryAfterSeconds = retryAfterSeconds, Method = method });

    public FaultRule Delay(TimeSpan delay, string? resourceType = null, int? times = null) =>
        Add(new FaultRule { Delay = delay, ResourceType = resourceType, Times = times });

    public FaultRule DropConnection(string? resourceType = null, int? times = null) =>
        Add(new FaultRule { DropConnection = true, ResourceType = resourceType, Times = times });

    public bool Remove(FaultRule rule)
    {
        lock (_gate)
        {
            return _rules.Remove(rule);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_gate)
            {
                return [.. _rules];
            }
        }
    }

    internal FaultRule? Next(string method, string? resourceType, string pathAndQuery)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(method, resourceType, pathAndQuery) && rule.TryFire())
            {
                return rule;
            }
        }

        return null;
    }
}
