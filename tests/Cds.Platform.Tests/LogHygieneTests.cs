using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cds.Platform.Tests;

/// <summary>Collects every log line the hooks and enrichment hosts write, at every level.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose() { }

    private sealed class Logger(string category, CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> kvs ? string.Join(' ', kvs.Select(kv => $"{kv.Key}={kv.Value}")) : "";
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {structured} {exception}");
        }
    }
}

public class LoggingPlatformFixture : PlatformFixture
{
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);
}

/// <summary>No patient name, patient identifier or token in any log line of the end-to-end flow (issue 8).</summary>
public sealed class LogHygieneTests(LoggingPlatformFixture platform) : IClassFixture<LoggingPlatformFixture>
{
    [Fact]
    public async Task The_end_to_end_flow_logs_no_PHI_and_no_tokens()
    {
        var driver = platform.Driver();
        var secrets = new List<string>
        {
            // Names, MRNs and ids of the fixture patients.
            "Penny", "Allergy", "Carl", "Kidney", "Lisa", "Diego", "FX1001", "FX1002", "FX1003", "FX1004",
            SandboxPatients.PenicillinAllergic, SandboxPatients.CkdOnMetformin, SandboxPatients.OnLisinopril, SandboxPatients.Type2DiabeticHighA1c,
        };

        async Task<JsonObject> Send(string service, JsonObject request)
        {
            secrets.Add(request["fhirAuthorization"]!["access_token"]!.GetValue<string>());
            secrets.Add(driver.SignHookJwt("http://localhost/cds-services/" + service).Split('.')[2]); // a signature part of a hook JWT
            using var response = await driver.SendAsync(service, request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        }

        await Send("cds-patient-view", driver.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c));
        await Send("cds-order-select", driver.BuildOrderSelect(SandboxPatients.CkdOnMetformin, [DraftMedication.Parse("metformin")]));
        // Missing prefetch: the hooks fetch with the hook token and enrichment reads with the backend token.
        await Send("cds-order-sign", driver.BuildOrderSign(SandboxPatients.OnLisinopril, [DraftMedication.Parse("enalapril")],
            new HookOptions { PrefetchKeys = ["patient"] }));
        var answer = await Send("cds-order-select", driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")]));
        var card = answer["cards"]!.AsArray().First()!["uuid"]!.GetValue<string>();
        using (var fb = await driver.SendFeedbackAsync("cds-order-select", driver.BuildFeedback(card, "overridden", FeedbackShape.Epic)))
        {
            Assert.Equal(HttpStatusCode.OK, fb.StatusCode);
        }
        // A refused caller is logged too (reason only).
        using (await driver.SendAsync("cds-patient-view", driver.BuildPatientView(SandboxPatients.PenicillinAllergic), o => o.Aud = "https://elsewhere.example/cds-services"))
        {
        }

        var lines = platform.Logs.Lines.ToList();
        Assert.True(lines.Count > 20, $"only {lines.Count} log lines were captured");
        var leaks = lines.SelectMany(line => secrets.Where(s => line.Contains(s, StringComparison.Ordinal)).Select(s => (s, line))).ToList();
        Assert.True(leaks.Count == 0, "PHI or token in logs:\n" + string.Join('\n', leaks.Take(5).Select(l => $"[{l.s}] {l.line}")));
    }
}
