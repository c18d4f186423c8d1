using Cds.Enrichment.Consumers;
using Cds.Hooks;
using Cds.Testing;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Platform.Tests;

/// <summary>
/// The platform in one process on real infrastructure: the enrichment worker and the hooks service, each a real
/// host on its own virtual host and schema of this fixture.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    public IsolatedInfrastructure Infra { get; } = new();
    public WebApplicationFactory<EvaluateHookConsumer> Enrichment { get; private set; } = null!;
    public WebApplicationFactory<HookPipeline> Hooks { get; private set; } = null!;
    public const string Tenant = "sandbox";

    protected virtual void ConfigureHooks(IWebHostBuilder builder) { }

    protected virtual void ConfigureEnrichment(IWebHostBuilder builder) { }

    public virtual async Task InitializeAsync()
    {
        await Infra.InitializeAsync();
        Enrichment = new WebApplicationFactory<EvaluateHookConsumer>().WithWebHostBuilder(b =>
        {
            Common(b);
            ConfigureEnrichment(b);
        });
        _ = Enrichment.Server; // start: the consumer's queue exists before the first hook
        Hooks = new WebApplicationFactory<HookPipeline>().WithWebHostBuilder(b =>
        {
            Common(b);
            b.UseSetting("Hooks:DefaultTenant", Tenant);
            // A loaded 2-core CI machine must not turn functional tests into deadline tests; those set their own.
            b.UseSetting("Hooks:Deadline", "00:00:10");
            ConfigureHooks(b);
        });
        _ = Hooks.Server;
    }

    private void Common(IWebHostBuilder b)
    {
        b.UseEnvironment("Development");
        b.UseSetting("ConnectionStrings:Postgres", Infra.Postgres);
        b.UseSetting("ConnectionStrings:RabbitMq", Infra.RabbitMq);
        b.UseSetting("EventStore:Schema", Infra.Schema);
    }

    public IDocumentStore Store => Hooks.Services.GetRequiredService<IDocumentStore>();

    public virtual async Task DisposeAsync()
    {
        await Hooks.DisposeAsync();
        await Enrichment.DisposeAsync();
        await Infra.DisposeAsync();
    }
}
