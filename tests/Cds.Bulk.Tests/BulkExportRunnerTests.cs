using Cds.EpicSandbox;
using Cds.EventStore.Bulk;
using Hl7.Fhir.Model;

namespace Cds.Bulk.Tests;

[CollectionDefinition("bulk", DisableParallelization = true)]
public sealed class BulkCollection : ICollectionFixture<BulkFixture>;

[Collection("bulk")]
public sealed class BulkExportRunnerTests(BulkFixture f)
{
    [Fact]
    public async System.Threading.Tasks.Task A_run_records_its_lifecycle_imports_every_file_once_and_deletes_the_job()
    {
        await f.ClearAsync();
        await using var host = f.NewHost();
        var progress = new List<BulkRunProgress>();
        var run = await host.Runner.RunAsync(BulkFixture.Tenant, null, p => { progress.Add(p); return ValueTask.CompletedTask; }, CancellationToken.None);

        Assert.Equal("completed", run.State);
        var events = await host.EventsAsync(run.ExportId);
        Assert.IsType<BulkExportRequested>(events[0]);
        Assert.IsType<BulkExportAccepted>(events[1]);
        Assert.Contains(events, e => e is BulkExportProgressed p && p.Progress!.StartsWith("in-progress", StringComparison.Ordinal));
        var listed = Assert.Single(events.OfType<BulkExportFilesListed>());
        var imported = events.OfType<BulkExportFileImported>().ToList();
        Assert.Equal(listed.Files.Select(x => x.Url).Order(), imported.Select(i => i.Url).Order());
        Assert.All(imported, i => Assert.Matches("^[0-9a-f]{64}$", i.ContentHash));
        var completed = Assert.IsType<BulkExportCompleted>(events[^1]);
        Assert.True(completed.Deleted);

        var rows = await f.RowsByTypeAsync();
        Assert.Equal(SandboxPatients.Fixtures.Count, rows["Patient"]);
        Assert.Equal(imported.Sum(i => i.Resources), rows.Values.Sum());
        Assert.Equal(rows.Values.Sum(), completed.Added);
        Assert.Single(f.Requests("/$export"));
        Assert.Single(f.Requests("/BulkRequest/", "DELETE"));
        Assert.Contains(progress, p => p.ServerProgress?.StartsWith("in-progress", StringComparison.Ordinal) == true);
        Assert.Equal(listed.Files.Count, progress[^1].FilesImported);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_worker_stopped_while_Epic_exports_resumes_polling_the_same_job_in_a_new_host()
    {
        await f.ClearAsync();
        string exportId;
        using (var stop = new CancellationTokenSource())
        await using (var first = f.NewHost())
        {
            // Stopped at the first "in progress" poll: the status URL is recorded, the manifest is not.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Runner.RunAsync(BulkFixture.Tenant, null, p =>
            {
                if (p.ServerProgress is not null)
                {
                    stop.Cancel();
                }

                return ValueTask.CompletedTask;
            }, stop.Token));
            var runs = await first.Runner.RunsAsync(BulkFixture.Tenant, 10, CancellationToken.None);
            exportId = Assert.Single(runs).ExportId;
            Assert.Equal("exporting", runs[0].State);
        }

        await using var second = f.NewHost();
        var run = await second.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);

        Assert.Equal(exportId, run.ExportId);
        Assert.Equal("completed", run.State);
        Assert.Single(f.Requests("/$export"));
        Assert.Single(await second.Runner.RunsAsync(BulkFixture.Tenant, 10, CancellationToken.None));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_worker_stopped_mid_import_resumes_without_importing_a_committed_file_twice()
    {
        await f.ClearAsync();
        string exportId;
        using (var stop = new CancellationTokenSource())
        await using (var first = f.NewHost())
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Runner.RunAsync(BulkFixture.Tenant, null, p =>
            {
                if (p.FilesImported == 1)
                {
                    stop.Cancel();
                }

                return ValueTask.CompletedTask;
            }, stop.Token));
            var runs = await first.Runner.RunsAsync(BulkFixture.Tenant, 10, CancellationToken.None);
            exportId = runs[0].ExportId;
            Assert.Equal("importing", runs[0].State);
            Assert.Single(runs[0].Imported);
        }

        await using var second = f.NewHost();
        var run = await second.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);

        Assert.Equal(exportId, run.ExportId);
        Assert.Equal("completed", run.State);
        Assert.Single(f.Requests("/$export"));
        var events = await second.EventsAsync(exportId);
        var imported = events.OfType<BulkExportFileImported>().ToList();
        Assert.Equal(imported.Count, imported.Select(i => i.Url).Distinct().Count());
        Assert.Equal(run.Files!.Count, imported.Count);
        // Each file was downloaded exactly once over both workers.
        foreach (var file in run.Files)
        {
            Assert.Single(f.Requests(new Uri(file.Url).AbsolutePath));
        }

        var rows = await f.RowsByTypeAsync();
        Assert.Equal(imported.Sum(i => i.Resources), rows.Values.Sum());
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_meta_lastUpdated_only_the_resource_whose_content_changed_is_seen_as_changed_then_added_and_gone()
    {
        await f.ClearAsync();
        await using var host = f.NewHost();
        var first = await host.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
        Assert.Equal("completed", first.State);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM {table} WHERE resource->'meta' ? 'lastUpdated'"));

        var observationKey = (await f.KeysAsync("Observation"))[0];
        var original = (Observation)f.Sandbox.Store.Get("Observation", observationKey["Observation/".Length..])!;
        var changed = (Observation)original.DeepCopy();
        changed.Note.Add(new Annotation { Text = new Markdown("re-read by the lab") });
        f.Sandbox.Store.Put(changed, seeded: true);
        try
        {
            var second = await host.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
            Assert.Equal("completed", second.State);
            Assert.Null(second.Since);
            var changes = (await host.EventsAsync(second.ExportId)).OfType<BulkResourcesChanged>().ToList();
            var change = Assert.Single(changes);
            Assert.Equal([observationKey], change.Changed);
            Assert.Empty(change.Added);
            Assert.Empty(change.Gone);
            var imported = (await host.EventsAsync(second.ExportId)).OfType<BulkExportFileImported>().ToList();
            Assert.Equal(1, imported.Sum(i => i.Changed));
            Assert.Equal(imported.Sum(i => i.Resources) - 1, imported.Sum(i => i.Unchanged));
            Assert.Equal(second.ExportId, await f.TextAsync($"SELECT changed_export FROM {{table}} WHERE resource_type = 'Observation' AND id = '{original.Id}'"));

            // A new resource in the Group is added; when it is no longer exported it is gone (and removed).
            var extra = (Observation)original.DeepCopy();
            extra.Id = "eBulkExtraObservation1";
            f.Sandbox.Store.Put(extra, seeded: false);
            var third = await host.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
            var added = Assert.Single((await host.EventsAsync(third.ExportId)).OfType<BulkResourcesChanged>());
            Assert.Equal(["Observation/eBulkExtraObservation1"], added.Added);
            Assert.Empty(added.Changed);

            f.Sandbox.Reset();
            var fourth = await host.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
            var gone = Assert.Single((await host.EventsAsync(fourth.ExportId)).OfType<BulkResourcesChanged>());
            Assert.Equal(["Observation/eBulkExtraObservation1"], gone.Gone);
            Assert.Equal(1, ((BulkExportCompleted)(await host.EventsAsync(fourth.ExportId))[^1]).Gone);
            Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM {table} WHERE id = 'eBulkExtraObservation1'"));
            // The keys each export carried unchanged are dropped with it.
            Assert.Equal(0, await f.ScalarAsync($"SELECT count(*) FROM \"{f.Infra.Schema}\".{BulkExportStore.SeenTable}"));
        }
        finally
        {
            f.Sandbox.Store.Put(original, seeded: true);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Since_is_sent_only_when_configured_and_declared_then_from_the_last_completed_export()
    {
        await f.ClearAsync();
        await using (var off = f.NewHost())
        {
            await off.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
            await off.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
        }

        Assert.All(f.Requests("/$export"), r => Assert.DoesNotContain("_since", r.PathAndQuery, StringComparison.Ordinal));

        await f.ClearAsync();
        await using var on = f.NewHost(new() { [$"Tenants:{BulkFixture.Tenant}:Bulk:SinceSupported"] = "true" });
        var first = await on.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
        Assert.Null(first.Since);
        var second = await on.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);
        Assert.Equal(first.TransactionTime, second.Since);
        var kickOffs = f.Requests("/$export");
        Assert.Equal(2, kickOffs.Count);
        Assert.DoesNotContain("_since", kickOffs[0].PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("_since=", kickOffs[1].PathAndQuery, StringComparison.Ordinal);
        // The CapabilityStatement was asked whether the server declares the Bulk Data Group export.
        Assert.Contains(f.Sandbox.State.FhirRequests, r => r.PathAndQuery.Contains("/metadata", StringComparison.Ordinal));
        // A _since export holds only what changed: absence proves nothing, so nothing is judged gone.
        Assert.Equal(0, second.Completed!.Gone);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_run_through_a_cut_download_meters_itself_and_logs_no_patient_data_or_token()
    {
        await f.ClearAsync();
        using var meters = new BulkMeterListener();
        f.Sandbox.Faults.Add(new FaultRule { Method = "GET", PathContains = "/Observation", CutBodyAfterBytes = 700, Times = 1 });
        await using var host = f.NewHost();
        var run = await host.Runner.RunAsync(BulkFixture.Tenant, null, null, CancellationToken.None);

        Assert.Equal("completed", run.State);
        Assert.Equal(run.ResourcesImported, (long)meters["cds.fhir.bulk.resources"]);
        Assert.True(meters["cds.fhir.bulk.bytes"] >= run.BytesImported);
        Assert.Equal(1, meters["cds.fhir.bulk.download_resumes"]);
        Assert.Equal(1, meters["cds.fhir.bulk.export.duration"]);
        var logs = string.Join("\n", f.Logs.Lines);
        Assert.Contains("broke off", logs);
        Assert.DoesNotContain("\"resourceType\"", logs);
        Assert.DoesNotContain("Bearer", logs);
        Assert.DoesNotContain("eyJ", logs);
        Assert.All(SandboxPatients.Fixtures, p => Assert.DoesNotContain(p, logs));
    }
}
