using System.Net;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Npgsql;

namespace Cds.Platform.Tests;

/// <summary>
/// The platform with its log capture (hooks and enrichment hosts, every category, every level, exceptions' ToString),
/// whose hooks and enrichment connect to PostgreSQL under their own application names, so a test can cut exactly their
/// connections and nobody else's; enrichment retries a failed message once, so a consumer fault surfaces in seconds.
/// </summary>
public sealed class FaultLoggingPlatformFixture : LoggingPlatformFixture
{
    public string HooksApplicationName { get; } = "cds-hooks-" + Guid.NewGuid().ToString("N")[..12];

    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        ["ConnectionStrings:Postgres"] = Infra.Postgres + ";Application Name=" + HooksApplicationName,
        // Only the bus-fault case calls order-sign: its evaluation is meant to finish after the hook has answered.
        [$"Hooks:ServiceDeadlines:{Cds.Hooks.HookServices.HookServiceIds.OrderSign}"] = "00:00:01.500",
    };

    protected override IReadOnlyDictionary<string, string> EnrichmentSettings => new Dictionary<string, string>
    {
        ["Bus:RetryLimit"] = "1",
        ["Bus:RetryMinInterval"] = "00:00:00.100",
        ["Bus:RetryMaxInterval"] = "00:00:00.200",
    };
}

/// <summary>
/// Issue 14 item 3: what the libraries log when things go wrong (Marten, Npgsql, MassTransit, ASP.NET Core,
/// HttpClient) holds no patient id, encounter id, user id, name, MRN or token. Each case is provoked for real and
/// shown to have happened (the library's own error is in the log, scrubbed), so the scan cannot pass vacuously.
/// </summary>
public sealed class LibraryLogHygieneTests(FaultLoggingPlatformFixture platform) : IClassFixture<FaultLoggingPlatformFixture>
{
    private readonly List<string> _secrets =
    [
        // Given names, birth dates and MRNs of the fixture patients (their family names are words such as "Allergy"
        // that resource types contain).
        "Penny", "Carl", "Lisa", "Diego", "Noah", "1958-03-14", "1949-11-02", "1966-07-21", "1971-01-30", "1990-05-05",
        "FX1001", "FX1002", "FX1003", "FX1004", "FX1005",
        SandboxPatients.PenicillinAllergic, SandboxPatients.CkdOnMetformin, SandboxPatients.OnLisinopril, SandboxPatients.Type2DiabeticHighA1c,
        SandboxPatients.NoData, SandboxPatients.PractitionerId, SandboxPatients.PractitionerRoleId,
        // Credentials of the broker and the database, as connection strings and URIs hold them.
        "cds:cds@", "Password=",
    ];

    [Fact]
    public async Task Library_logs_of_failures_hold_no_PHI_and_no_tokens()
    {
        var driver = platform.Driver();

        // Warm-up: one ordinary hook (pools fill, the enrichment queue is consumed).
        await SendOk(driver, "cds-order-select", driver.BuildOrderSelect(SandboxPatients.CkdOnMetformin, [DraftMedication.Parse("metformin")]));

        // (a) A repeated hookInstance (Epic retries): answered from the store, not an error of anybody's.
        var mark = platform.Logs.Lines.Count;
        var repeated = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")]);
        var first = await SendOk(driver, "cds-order-select", repeated);
        var again = await SendOk(driver, "cds-order-select", repeated);
        Assert.Equal(first["cards"]!.ToJsonString(), again["cards"]!.ToJsonString());
        var repeatLines = Since(mark);
        Assert.Contains(repeatLines, l => l.Contains("repeated: answering from the store", StringComparison.Ordinal));
        Assert.DoesNotContain(repeatLines, l => l.StartsWith("Error", StringComparison.Ordinal));

        // (b) PostgreSQL kills the hook's connection mid-statement: the hook's INSERT waits on a table lock held here,
        // and that backend (this fixture's hooks only, found by application name) is terminated while it waits. Marten
        // logs the failed command (its parameters are the HookReceived JSON: patient, encounter and user ids).
        mark = platform.Logs.Lines.Count;
        await using (var locker = new NpgsqlConnection(platform.Infra.Postgres))
        {
            await locker.OpenAsync();
            await using var lockTx = await locker.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand($"lock table {platform.Infra.Schema}.mt_streams in exclusive mode", locker, lockTx))
            {
                await lockTable.ExecuteNonQueryAsync();
            }
            var blocked = SendOk(driver, "cds-patient-view", driver.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c));
            await Eventually.WaitForAsync(async () => await TerminateHooksBackendsWaitingOnLockAsync() > 0 ? "terminated" : null,
                () => Task.FromResult("the hook's INSERT never waited on the lock"));
            await lockTx.RollbackAsync();
            await blocked;
        }
        var pgLines = Since(mark);
        Assert.True(pgLines.Any(l => l.StartsWith("Error Marten", StringComparison.Ordinal) && l.Contains("57P01", StringComparison.Ordinal)),
            "Marten logged no command killed by pg_terminate_backend (57P01):\n" + string.Join('\n', pgLines.Take(30)));

        // (c) A bus fault: INSERT on the event table is revoked and Epic is slow, so enrichment's evaluation finishes
        // after the hook has answered (at its deadline, without cards) and cannot be recorded (a PostgreSQL permission
        // error from Marten with the event JSON in its parameters). A late result exists only as its record, so the
        // consumer faults for the bus to retry; it is retried, faults, and MassTransit logs the fault and sends it to
        // the hook's request, which now gets it: nothing in it (a PortableException) that cannot be serialized.
        mark = platform.Logs.Lines.Count;
        await using (await platform.RevokeEventInsertsAsync())
        {
            platform.Sandbox.Faults.Delay(TimeSpan.FromSeconds(4), "MedicationRequest");
            try
            {
                await SendOk(driver, "cds-order-sign", driver.BuildOrderSign(SandboxPatients.OnLisinopril, [DraftMedication.Parse("enalapril")],
                    new HookOptions { PrefetchKeys = ["patient", "allergies", "conditions", "labs"] }));
                await Eventually.WaitForAsync(() => Task.FromResult(Since(mark).FirstOrDefault(l => l.Contains("not completed: RequestFaultException", StringComparison.Ordinal))),
                    () => Task.FromResult("the hook's request never got the fault:\n" + string.Join('\n', Since(mark).Take(30))));
            }
            finally
            {
                platform.Sandbox.Faults.Clear();
            }
        }
        var busLines = Since(mark);
        Assert.Contains(busLines, l => l.StartsWith("Error MassTransit", StringComparison.Ordinal));
        Assert.Contains(busLines, l => l.Contains("42501", StringComparison.Ordinal)); // PostgreSQL's insufficient_privilege, logged by Marten
        Assert.DoesNotContain(busLines, l => l.Contains("Failed to serialize", StringComparison.Ordinal));

        // (d) Epic answers 4xx/5xx: the hooks' prefetch fetch (hook token) and enrichment's reads (backend token) fail.
        mark = platform.Logs.Lines.Count;
        var faults = new[]
        {
            platform.Sandbox.Faults.Status(500, resourceType: "Condition"),
            platform.Sandbox.Faults.Status(403, resourceType: "AllergyIntolerance"),
            platform.Sandbox.Faults.Status(404, resourceType: "Observation"),
        };
        try
        {
            await SendOk(driver, "cds-order-select", driver.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Parse("amoxicillin")],
                new HookOptions { PrefetchKeys = [] }));
        }
        finally
        {
            platform.Sandbox.Faults.Clear();
        }
        Assert.All(faults, f => Assert.True(f.Fired > 0, $"fault {f} never fired"));
        var epicLines = Since(mark);
        Assert.Contains(epicLines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("403", StringComparison.Ordinal));

        // Every line of every host, at every level, exceptions included.
        var lines = platform.Logs.Lines.ToList();
        var leaks = lines.SelectMany(line => _secrets.Where(s => line.Contains(s, StringComparison.Ordinal)).Select(s => (s, line))).ToList();
        Assert.True(leaks.Count == 0, $"PHI or token in {leaks.Count} log line(s):\n"
            + string.Join("\n\n", leaks.DistinctBy(l => l.line).Take(6).Select(l => $"[{l.s}] {l.line[..Math.Min(l.line.Length, 3000)]}")));
    }

    private List<string> Since(int mark) => [.. platform.Logs.Lines.Skip(mark)];

    private async Task<JsonObject> SendOk(EpicHookDriver driver, string service, JsonObject request)
    {
        var context = request["context"]!.AsObject();
        foreach (var key in new[] { "patientId", "encounterId", "userId" })
        {
            if (context[key]?.GetValue<string>() is { } id)
            {
                _secrets.Add(id);
                _secrets.Add(id[(id.IndexOf('/', StringComparison.Ordinal) + 1)..]);
            }
        }
        _secrets.Add(request["fhirAuthorization"]!["access_token"]!.GetValue<string>());
        _secrets.Add(driver.SignHookJwt("http://localhost/cds-services/" + service).Split('.')[2]);
        using var response = await driver.SendAsync(service, request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Terminates this fixture's hooks backends (by application name) that wait on a lock.</summary>
    private async Task<int> TerminateHooksBackendsWaitingOnLockAsync()
    {
        await using var connection = new NpgsqlConnection(platform.Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity"
            + " where application_name = @name and wait_event_type = 'Lock') t", connection);
        command.Parameters.AddWithValue("name", platform.HooksApplicationName);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
