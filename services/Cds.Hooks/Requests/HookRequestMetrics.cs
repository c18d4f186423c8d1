using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Cds.Hooks.Requests;

/// <summary>
/// Counters for request reading (meter <c>Cds.Hooks.Requests</c>): stripped requests (docs/epic-behaviours.md item 4: the endpoint URL on
/// Epic's side does not match), refused requests by hook and problem code, and reader faults (the reader itself failed:
/// a 400 that no problem of the request explains), which are also logged. Register as a singleton; add the meter to
/// OpenTelemetry with <c>AddMeter(HookRequestMetrics.MeterName)</c>.
/// </summary>
public sealed partial class HookRequestMetrics
{
    public const string MeterName = "Cds.Hooks.Requests";

    private readonly Counter<long> _stripped;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _draftOrdersConfigurationFaults;
    private readonly Counter<long> _readerFaults;
    private readonly ILogger _log;

    public HookRequestMetrics(IMeterFactory meterFactory, ILogger<HookRequestMetrics>? log = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _log = log ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var meter = meterFactory.Create(MeterName);
        _stripped = meter.CreateCounter<long>("cds.hooks.requests.stripped", description: "Hook requests with the stripped shape (Epic endpoint URL mismatch).");
        _rejected = meter.CreateCounter<long>("cds.hooks.requests.rejected", description: "Hook requests refused by validation, by hook and first problem code.");
        _draftOrdersConfigurationFaults = meter.CreateCounter<long>("cds.hooks.requests.draft_orders_missing",
            description: "Order hooks without draftOrders (Epic client lacks the unsigned-order scopes).");
        _readerFaults = meter.CreateCounter<long>("cds.hooks.requests.reader_faults",
            description: "Hook requests refused with 400 because the request reader itself failed, by service and exception type.");
    }

    /// <summary>
    /// Records what a read result says about the request (call once per request). A reader fault is counted and logged
    /// with its exception type only: the exception's message can quote the body (Firely's messages quote values).
    /// </summary>
    public void Record(string hook, HookReadResult result, string? service = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var hookTag = new KeyValuePair<string, object?>("hook", hook);
        if (result.ReaderFault is { } fault)
        {
            _readerFaults.Add(1, hookTag, new KeyValuePair<string, object?>("service", service), new KeyValuePair<string, object?>("exception.type", fault));
            ReaderFaulted(_log, service, hook, fault, result.HookInstance);
        }
        if (result.Stripped.IsStripped)
            _stripped.Add(1, hookTag);
        if (result.IsDraftOrdersConfigurationFault)
            _draftOrdersConfigurationFaults.Add(1, hookTag);
        if (!result.Succeeded)
            _rejected.Add(1, hookTag, new KeyValuePair<string, object?>("code", result.Problems.FirstOrDefault()?.IssueCode ?? "invalid"));
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Hook request on {Service} ({Hook}) refused with 400: the request reader failed with {ExceptionType} (hookInstance {HookInstance})")]
    private static partial void ReaderFaulted(ILogger logger, string? service, string hook, string exceptionType, string? hookInstance);
}
