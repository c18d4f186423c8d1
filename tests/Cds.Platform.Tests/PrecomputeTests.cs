using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.EventStore.Relay;
using Cds.ServiceDefaults;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Cds.Platform.Tests;

/// <summary>The platform with the outbox relay running (as the write-back host runs it): recorded hooks reach enrichment as events.</summary>
public sealed class RelayPlatformFixture : PlatformFixture
{
    private IHost? _relay;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TenantSettings());
        builder.AddCdsBus("relay");
        builder.Services.AddCdsEventStore(builder.Configuration).AddCdsOutboxRelay().AddAsyncDaemon(DaemonMode.Solo);
        _relay = builder.Build();
        await _relay.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_relay is not null)
        {
            await _relay.StopAsync();
            _relay.Dispose();
        }
        await base.DisposeAsync();
    }
}

public sealed class PrecomputeTests(RelayPlatformFixture platform) : IClassFixture<RelayPlatformFixture>
{
    [Fact]
    public async Task After_patient_view_an_order_select_lacking_allergies_is_decided_in_the_hooks_process_from_the_precomputed_context()
    {
        var driver = platform.Driver();
        const string patient = SandboxPatients.PenicillinAllergic;
        using (var view = await driver.SendAsync("cds-patient-view", driver.BuildPatientView(patient)))
        {
            Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        }
        // The relayed patient-view: enrichment reads the chart with the backend token and keeps it warm.
        await Eventually.WaitForAsync(async () =>
        {
            await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
            return await session.LoadAsync<WarmPatientContext>(patient);
        });
        using var asked = new FhirCallCounter(platform.Hooks.Services, "Cds.Hooks", "cds.hooks.enrichment_requests");

        // No allergies in the prefetch and no token to fetch them with: only the precomputed context knows them.
        var select = driver.BuildOrderSelect(patient, [DraftMedication.Parse("amoxicillin")],
            new HookOptions { PrefetchKeys = ["patient", "medications", "conditions", "labs"], IncludeFhirAuthorization = false });
        using var response = await driver.SendAsync("cds-order-select", select);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(doc.RootElement.GetProperty("cards").EnumerateArray(),
            c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSDRUGALLERGY");
        Assert.Equal(0, asked.Sum());
        await using var check = platform.Store.QuerySession(PlatformFixture.Tenant);
        var timeline = await check.LoadAsync<HookTimeline>(select["hookInstance"]!.GetValue<string>());
        Assert.Equal(PatientDataSources.Warm, timeline!.PatientData!.Source);
        Assert.Equal(CardSources.Live, timeline.CardSource);
    }
}
