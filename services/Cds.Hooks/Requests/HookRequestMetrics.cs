using System.Diagnostics.Metrics;

namespace Cds.Hooks.Requests;

/// <summary>
/// Counters for request reading (meter <c>Cds.Hooks.Requests</c>): stripped requests (EPIC.md 4: the endpoint URL on
/// Epic's side does not match) and refused requests by hook and problem code. Register as a singleton; add the meter to
/// OpenTelemetry with <c>AddMeter(HookRequestMetrics.MeterName)</c>.
/// </summary>
public sealed class HookRequestMetrics
{
    public const string MeterName = "Cds.Hooks.Requests";

    private readonly Counter<long> _stripped;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _draftOrdersConfigurationFaults;

    public HookRequestMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _stripped = meter.CreateCounter<long>("cds.hooks.requests.stripped", description: "Hook requests with the stripped shape (Epic endpoint URL mismatch).");
        _rejected = meter.CreateCounter<long>("cds.hooks.requests.rejected", description: "Hook requests refused by validation, by hook and first problem code.");
        _draftOrdersConfigurationFaults = meter.CreateCounter<long>("cds.hooks.requests.draft_orders_missing",
            description: "Order hooks without draftOrders (Epic client lacks the unsigned-order scopes).");
    }

    /// <summary>Records what a read result says about the request (call once per request).</summary>
    public void Record(string hook, HookReadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var hookTag = new KeyValuePair<string, object?>("hook", hook);
        if (result.Stripped.IsStripped)
            _stripped.Add(1, hookTag);
        if (result.IsDraftOrdersConfigurationFault)
            _draftOrdersConfigurationFaults.Add(1, hookTag);
        if (!result.Succeeded)
            _rejected.Add(1, hookTag, new KeyValuePair<string, object?>("code", result.Problems.FirstOrDefault()?.IssueCode ?? "invalid"));
    }
}
