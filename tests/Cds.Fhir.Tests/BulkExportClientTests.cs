using System.Security.Cryptography;
using Cds.EpicSandbox;
using Cds.Fhir.Bulk;
using Cds.Testing;
using Xunit;

namespace Cds.Fhir.Tests;

/// <summary>A sandbox whose export throttle is 2 s and whose files are served without byte ranges (Epic's case to plan for).</summary>
public sealed class BulkSandboxFixture : SandboxFixture
{
    protected override SandboxSettings Settings => new() { SeedSynthea = false, ExportThrottle = TimeSpan.FromSeconds(2), ExportPollsBeforeReady = 2 };
}

/// <summary>The same, with files served with byte ranges (Accept-Ranges: bytes, 206).</summary>
public sealed class RangedBulkSandboxFixture : SandboxFixture
{
    protected override SandboxSettings Settings => new() { SeedSynthea = false, ExportThrottle = TimeSpan.Zero, ExportFileRanges = true };
}

internal static class BulkTestKit
{
    public static FhirTestHost Host(EpicSandboxServer sandbox) => new(new TenantConfig("bulk", sandbox.FhirBaseUrl)
        .Scopes("system/Patient.rs", "system/Observation.rs", "system/Condition.rs", "system/Group.rs")
        .Set("Bulk:GroupId", SandboxPatients.BulkGroupId)
        .Set("Bulk:DefaultPollInterval", "00:00:00.200")
        .Set("Bulk:MaxPollInterval", "00:00:02")
        .Set("Bulk:MaxCooldownWait", "00:00:10"));

    public static async Task<(BulkKickOff KickOff, BulkManifest Manifest)> ExportAsync(FhirTestHost host, List<BulkWait>? waits = null)
    {
        var client = host.Services.GetService(typeof(BulkExportClient)) as BulkExportClient ?? throw new InvalidOperationException("no BulkExportClient");
        var kickOff = await client.KickOffAsync("bulk", SandboxPatients.BulkGroupId, ["Patient", "Observation"], null, Record(waits), CancellationToken.None);
        var manifest = await client.WaitForManifestAsync("bulk", kickOff.StatusUrl, Record(waits), CancellationToken.None);
        return (kickOff, manifest);
    }

    public static BulkExportClient Client(FhirTestHost host) => (BulkExportClient)host.Services.GetService(typeof(BulkExportClient))!;

    public static async Task<List<byte[]>> ReadAsync(BulkExportClient client, BulkManifest manifest, string type, List<NdjsonDownloadEvent>? events = null)
    {
        var lines = new List<byte[]>();
        var file = manifest.Output.Single(o => o.Type == type);
        await foreach (var line in client.ReadFileAsync("bulk", file, manifest.RequiresAccessToken, NdjsonPosition.Start,
                           e => { events?.Add(e); return ValueTask.CompletedTask; }))
        {
            lines.Add(line.Bytes);
        }

        return lines;
    }

    /// <summary>Exports, reads the Observation file clean, then again with the connection cut after <paramref name="cutAt"/> bytes (of the clean lines).</summary>
    public static async Task<(List<byte[]> Clean, List<byte[]> Resumed, NdjsonDownloadEvent Resume, FhirTestHost Host)> CutAndResumeAsync(
        EpicSandboxServer sandbox, Func<List<byte[]>, long> cutAt)
    {
        sandbox.Reset();
        var host = Host(sandbox);
        var client = Client(host);
        var (_, manifest) = await ExportAsync(host);
        var clean = await ReadAsync(client, manifest, "Observation");
        Assert.True(clean.Count >= 3, "the Observation file needs a few lines");

        var rule = sandbox.Faults.Add(new FaultRule { Method = "GET", PathContains = "/Observation", CutBodyAfterBytes = cutAt(clean), Times = 1 });
        var events = new List<NdjsonDownloadEvent>();
        var resumed = await ReadAsync(client, manifest, "Observation", events);
        Assert.Equal(1, rule.Fired);
        Assert.Equal(Digest(clean), Digest(resumed));
        return (clean, resumed, Assert.Single(events), host);
    }

    public static string Digest(IEnumerable<byte[]> lines) => Convert.ToHexString(SHA256.HashData(lines.SelectMany(l => l.Append((byte)'\n')).ToArray()));

    private static Func<BulkWait, ValueTask>? Record(List<BulkWait>? waits) =>
        waits is null ? null : w => { lock (waits) { waits.Add(w); } return ValueTask.CompletedTask; };
}

public sealed class BulkExportClientTests(BulkSandboxFixture f) : IClassFixture<BulkSandboxFixture>
{
    [Fact]
    public async Task Export_polls_with_X_Progress_streams_every_file_with_the_token_and_deletes_the_job()
    {
        f.Sandbox.Reset();
        await using var host = BulkTestKit.Host(f.Sandbox);
        var waits = new List<BulkWait>();
        var (kickOff, manifest) = await BulkTestKit.ExportAsync(host, waits);

        Assert.Equal(2, waits.Count(w => w.Reason == BulkWaitReason.InProgress));
        Assert.All(waits, w => Assert.StartsWith("in-progress", w.Progress));
        Assert.True(manifest.RequiresAccessToken);
        var client = BulkTestKit.Client(host);
        var patients = await BulkTestKit.ReadAsync(client, manifest, "Patient");
        Assert.Equal(SandboxPatients.Fixtures.Count, patients.Count);
        foreach (var line in patients)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            Assert.Equal("Patient", doc.RootElement.GetProperty("resourceType").GetString());
        }

        Assert.NotEmpty(await BulkTestKit.ReadAsync(client, manifest, "Observation"));
        // The files were fetched with the backend token (the sandbox answers 401 without one).
        Assert.All(f.Sandbox.State.FhirRequests.Where(r => r.PathAndQuery.Contains("/BulkRequest/", StringComparison.Ordinal)), r => Assert.InRange(r.Status, 200, 299));

        Assert.True(await client.DeleteAsync("bulk", kickOff.StatusUrl, CancellationToken.None));
        var gone = await Assert.ThrowsAsync<BulkExportException>(() => client.WaitForManifestAsync("bulk", kickOff.StatusUrl, null, CancellationToken.None));
        Assert.Equal(404, gone.StatusCode);
        Assert.Contains(f.Sandbox.State.FhirRequests, r => r.Method == "DELETE" && r.Status == 202);
    }

    [Fact]
    public async Task A_429_too_recently_is_a_cooldown_waited_out_once_not_a_retry_storm()
    {
        f.Sandbox.Reset();
        await using var host = BulkTestKit.Host(f.Sandbox);
        var client = BulkTestKit.Client(host);
        await client.KickOffAsync("bulk", SandboxPatients.BulkGroupId, ["Patient"], null, null, CancellationToken.None);

        var waits = new List<BulkWait>();
        var started = DateTimeOffset.UtcNow;
        var second = await client.KickOffAsync("bulk", SandboxPatients.BulkGroupId, ["Patient"], null,
            w => { waits.Add(w); return ValueTask.CompletedTask; }, CancellationToken.None);

        var cooldown = Assert.Single(waits);
        Assert.Equal(BulkWaitReason.Cooldown, cooldown.Reason);
        Assert.Equal(429, cooldown.StatusCode);
        Assert.InRange(cooldown.Delay, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.True(DateTimeOffset.UtcNow - started >= cooldown.Delay - TimeSpan.FromMilliseconds(50));
        Assert.NotNull(second.StatusUrl);
        var kickOffs = f.Sandbox.State.FhirRequests.Where(r => r.PathAndQuery.Contains("$export", StringComparison.Ordinal)).Select(r => r.Status).ToList();
        Assert.Equal([202, 429, 202], kickOffs);
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.bulk.cooldowns", ("tenant", "bulk")));
    }

    [Fact]
    public async Task A_cooldown_longer_than_the_tenant_waits_fails_retryable_with_its_end()
    {
        f.Sandbox.Reset();
        f.Sandbox.Faults.Add(new FaultRule { PathContains = "$export", Status = 429, RetryAfterSeconds = 3600, Times = 1 });
        await using var host = BulkTestKit.Host(f.Sandbox);
        var client = BulkTestKit.Client(host);
        var ex = await Assert.ThrowsAsync<BulkExportException>(() =>
            client.KickOffAsync("bulk", SandboxPatients.BulkGroupId, ["Patient"], null, null, CancellationToken.None));
        Assert.True(ex.Retryable);
        Assert.True(ex.RetryAt > DateTimeOffset.UtcNow.AddMinutes(59));
        Assert.Single(f.Sandbox.State.FhirRequests, r => r.PathAndQuery.Contains("$export", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_token_is_never_sent_to_a_file_outside_the_tenants_FHIR_server()
    {
        f.Sandbox.Reset();
        await using var host = BulkTestKit.Host(f.Sandbox);
        var client = BulkTestKit.Client(host);
        var elsewhere = new BulkOutputFile("Patient", new Uri("http://127.0.0.2:" + f.Sandbox.FhirBaseUrl.Port + "/files/Patient.ndjson"), null);
        var ex = await Assert.ThrowsAsync<BulkExportException>(async () =>
        {
            await foreach (var _ in client.ReadFileAsync("bulk", elsewhere, requiresAccessToken: true, NdjsonPosition.Start))
            {
            }
        });
        Assert.Contains("outside the tenant's FHIR server", ex.Message);
        Assert.Empty(f.Sandbox.State.FhirRequests);
        Assert.Empty(f.Sandbox.State.TokenRequests);
    }

    [Fact]
    public async Task A_503_on_polls_is_waited_out_and_the_manifest_still_arrives()
    {
        f.Sandbox.Reset();
        f.Sandbox.Faults.Add(new FaultRule { Method = "GET", PathContains = "/BulkRequest/", Status = 503, RetryAfterSeconds = 1, Times = 2 });
        await using var host = BulkTestKit.Host(f.Sandbox);
        var waits = new List<BulkWait>();
        var (_, manifest) = await BulkTestKit.ExportAsync(host, waits);

        Assert.Equal(2, waits.Count(w => w.Reason == BulkWaitReason.Transient && w.StatusCode == 503 && w.Delay == TimeSpan.FromSeconds(1)));
        Assert.Contains(manifest.Output, o => o.Type == "Patient");
        Assert.Equal(2, host.Metrics.Sum("cds.fhir.bulk.poll_waits", ("tenant", "bulk"), ("reason", "transient")));
    }

    [Fact]
    public async Task A_download_cut_mid_stream_resumes_skipping_the_lines_already_read_when_the_server_has_no_ranges()
    {
        // Cut in the middle of the second line.
        var (_, _, resume, host) = await BulkTestKit.CutAndResumeAsync(f.Sandbox, clean => clean[0].Length + 1 + clean[1].Length / 2);
        await using (host)
        {
            Assert.Equal(NdjsonDownloadEventKind.ResumedSkippingLines, resume.Kind);
            Assert.Equal(1, resume.At.Lines);
            Assert.Equal(1, host.Metrics.Sum("cds.fhir.bulk.download_resumes", ("tenant", "bulk"), ("how", "skip_lines")));
        }
    }
}

public sealed class RangedBulkExportClientTests(RangedBulkSandboxFixture f) : IClassFixture<RangedBulkSandboxFixture>
{
    [Fact]
    public async Task A_download_cut_mid_stream_resumes_with_a_byte_range_from_the_last_complete_line()
    {
        long firstTwo = 0;
        var (_, _, resume, host) = await BulkTestKit.CutAndResumeAsync(f.Sandbox, clean => (firstTwo = clean[0].Length + 1 + clean[1].Length + 1) + 5);
        await using (host)
        {
            Assert.Equal(NdjsonDownloadEventKind.ResumedWithRange, resume.Kind);
            Assert.Equal(new NdjsonPosition(2, firstTwo), resume.At);
            Assert.Contains(f.Sandbox.State.FhirRequests, r => r.PathAndQuery.EndsWith("/Observation", StringComparison.Ordinal) && r.Status == 206);
            Assert.Equal(1, host.Metrics.Sum("cds.fhir.bulk.download_resumes", ("tenant", "bulk"), ("how", "range")));
        }
    }
}
