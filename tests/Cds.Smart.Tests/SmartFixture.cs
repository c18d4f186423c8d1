using System.Net;
using System.Net.Sockets;
using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Fhir.Smart;
using Cds.Testing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Cds.Smart.Tests;

/// <summary>A seeded hook: its stream id, the card and the patient it was for.</summary>
public sealed record SeededHook(string HookInstance, Card Card, string Patient);

/// <summary>
/// The SMART app on a real port over real PostgreSQL and the Epic sandbox (port 0), with the app registered in the
/// sandbox for its callback. Two seeded hooks: a renal-dosing card for the CKD patient (feedback and a note written
/// back), and a drug-allergy card for the penicillin-allergic patient.
/// </summary>
public sealed class SmartFixture : IAsyncLifetime
{
    public const string Tenant = "sandbox";

    public IsolatedInfrastructure Infra { get; } = new();
    public EpicSandboxServer Sandbox { get; private set; } = null!;
    public DocumentStore Store { get; private set; } = null!;
    public WebApplication App { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public CapturedLogLines Logs { get; } = new();
    public string Key { get; } = SmartAppContext.NewKey();
    public SeededHook Renal { get; private set; } = null!;
    public SeededHook Allergy { get; private set; } = null!;

    public SmartAppOptions LinkOptions => new() { LaunchUrl = new Uri(BaseUrl, "smart/launch").ToString(), AppContextKey = Key };

    public async Task InitializeAsync()
    {
        await Infra.InitializeAsync();
        Sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings { SeedSynthea = false });
        Store = DocumentStore.For(o => EventStoreSetup.Configure(o, Infra.Postgres, new EventStoreSettings { Schema = Infra.Schema, AutoApplySchema = true }));
        await Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        Renal = await SeedAsync(SandboxPatients.CkdOnMetformin, "renal-dosing", "Renal: metformin ordered, eGFR 25 mL/min/1.73m2 on 2026-10-01 is below 30",
            ["draft=rxnorm|6809", "egfr=loinc|33914-3", "value=25", "unit=mL/min/{1.73_m2}", "threshold=30"], withNote: true);
        Allergy = await SeedAsync(SandboxPatients.PenicillinAllergic, "drug-allergy", "Penicillin allergy: amoxicillin ordered",
            ["draft=rxnorm|723", "allergy=rxnorm|70618"], withNote: false);

        (App, BaseUrl) = await StartAppAsync("Public");
    }

    /// <summary>An app instance on its own port, the sandbox tenant registered as a <paramref name="clientType"/> client.</summary>
    public async Task<(WebApplication App, Uri BaseUrl)> StartAppAsync(string clientType)
    {
        Uri baseUrl;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            baseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
            probe.Stop();
        }
        var redirect = new Uri(baseUrl, "smart/callback").ToString();
        foreach (var client in new[] { SandboxClients.SmartAppClientName, SandboxClients.SmartAppConfidentialClientName })
        {
            Sandbox.Clients.Modify(client, c => c.RedirectUris.Add(redirect));
        }
        Environment.SetEnvironmentVariable("CDS_TEST_SMART_SECRET", SandboxClients.SmartAppClientSecret);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = Infra.Postgres,
            ["EventStore:Schema"] = Infra.Schema,
            ["EventStore:AutoApplySchema"] = "false",
            ["SmartApp:AppContextKey"] = Key,
            ["SmartApp:LaunchUrl"] = new Uri(baseUrl, "smart/launch").ToString(),
        };
        AddTenant(settings, Tenant, Sandbox.FhirBaseUrl.ToString(),
            clientType == "Confidential" ? SandboxClients.SmartAppConfidentialClientId : SandboxClients.SmartAppClientId, clientType, redirect);
        AddTenant(settings, "other", "http://127.0.0.1:1/interconnect-fhir-oauth/api/FHIR/R4/", "0aa1bb2c-other-tenant-app", "Public", redirect);
        var app = SmartHost.Build(["--urls", baseUrl.ToString().TrimEnd('/')], settings, b => b.Logging.AddProvider(Logs));
        await app.StartAsync();
        return (app, baseUrl);
    }

    private static void AddTenant(Dictionary<string, string?> s, string id, string fhirBase, string clientId, string type, string redirect)
    {
        var p = $"Tenants:{id}:";
        s[p + "FhirBaseUrl"] = fhirBase;
        s[p + "Environment"] = "NonProduction";
        s[p + "SmartApp:ClientId"] = clientId;
        s[p + "SmartApp:ClientType"] = type;
        s[p + "SmartApp:RedirectUri"] = redirect;
        s[p + "SmartApp:ClientSecretEnv"] = type == "Confidential" ? "CDS_TEST_SMART_SECRET" : null;
        string[] scopes = ["launch", "openid", "fhirUser", "offline_access", "patient/Patient.rs", "patient/Observation.rs",
            "patient/MedicationRequest.rs", "patient/Medication.rs", "patient/AllergyIntolerance.rs", "patient/Condition.read"];
        for (var i = 0; i < scopes.Length; i++)
        {
            s[p + $"SmartApp:Scopes:{i}"] = scopes[i];
        }
    }

    /// <summary>The hook's events as the hooks, enrichment and write-back services append them.</summary>
    public async Task<SeededHook> SeedAsync(string patient, string rule, string summary, IReadOnlyList<string> evidence, bool withNote, string tenant = Tenant)
    {
        var hookInstance = Guid.NewGuid().ToString();
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        var card = new Card
        {
            Uuid = Guid.NewGuid().ToString(),
            Summary = summary,
            Indicator = Indicators.Warning,
            Detail = "The latest eGFR is **25 mL/min/1.73m2**, below the threshold of 30.",
            Source = new CardSource { Label = "Renal dosing check", Topic = new Coding { System = "urn:cds-platform:topic", Code = "CDSRENALDOSE" } },
        };
        var finding = new Finding { RuleId = rule, RuleVersion = "1.0.0", TopicCode = "CDSRENALDOSE", Indicator = card.Indicator, Summary = summary, CardUuid = card.Uuid, Evidence = evidence };
        await using var session = Store.LightweightSession(tenant);
        var events = new List<object>
        {
            new HookReceived(tenant, hookInstance, HookNames.OrderSelect, "cds-order-select", patient, null, "PractitionerRole/" + SandboxPatients.PractitionerRoleId, at,
                ["patient"], new EpicExtension("18", "Accept", "2852", "11.3")),
            new EnrichmentCompleted(hookInstance, patient, [card], [finding], [$"{rule}@1.0.0"], at.AddMilliseconds(300), false),
            new CardsReturned([card], 320, false, at.AddMilliseconds(320), CardSources.Live),
        };
        if (withNote)
        {
            events.Add(new FeedbackReceived(tenant, hookInstance, "cds-order-select", card.Uuid, FeedbackOutcomes.Overridden, [],
                [new Coding { Code = "benefitoutweighsrisk", Display = "Benefit outweighs risk" }], null, at.AddSeconds(20), $"fb-{hookInstance}",
                patient, rule, card.Indicator, at.AddSeconds(21)));
            var identifier = $"urn:cds:note:{hookInstance}";
            events.Add(new WriteBackRequested("urn:cds:note", identifier, card.Uuid, FeedbackOutcomes.Overridden, "OverrideOfCritical", "11506-3", Guid.NewGuid(), at.AddSeconds(22)));
            events.Add(new WriteBackSucceeded(identifier, "eDocRefRenal1", true, 201, at.AddSeconds(23)));
        }
        session.Events.StartStream(hookInstance, events.ToArray());
        await session.SaveChangesAsync();
        return new SeededHook(hookInstance, card, patient);
    }

    /// <summary>The seeded card with the link the hooks service puts on it (<see cref="Hooks.SmartLinks"/>).</summary>
    public Card Linked(SeededHook hook, string tenant = Tenant) =>
        Hooks.SmartLinks.Attach([hook.Card], LinkOptions, tenant, hook.HookInstance, DateTimeOffset.UtcNow)[0];

    public async Task DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Store.Dispose();
        await Sandbox.DisposeAsync();
        await Infra.DisposeAsync();
    }
}
