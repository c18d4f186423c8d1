using Cds.Contracts;
using Cds.EventStore;
using Cds.Ops.Cli;
using Cds.Testing;
using Marten;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace Cds.Ops.Tests;

/// <summary>Runs the CLI in-process with the given settings and captures what it prints.</summary>
internal static class Cli
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public static async Task<Result> RunWithInputAsync(IReadOnlyDictionary<string, string?> settings, string input, params string[] args)
    {
        var overrides = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var output = new StringWriter();
        var error = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var exit = await OpsCli.RunAsync(args, overrides, output, error, new StringReader(input), ct: cts.Token);
        return new Result(exit, output.ToString(), error.ToString());
    }

    public static Task<Result> RunAsync(IReadOnlyDictionary<string, string?> settings, params string[] args) => RunWithInputAsync(settings, "", args);

    /// <summary>Runs the CLI until <paramref name="until"/> holds (the management API's counters lag by a few seconds).</summary>
    public static Task<Result> EventuallyAsync(IReadOnlyDictionary<string, string?> settings, Func<Result, bool> until, params string[] args) =>
        Eventually.ReadUntilAsync(() => RunAsync(settings, args), until, interval: TimeSpan.FromMilliseconds(500));
}

/// <summary>Events of a realistic hook call, appended the way the hooks and enrichment services append them.</summary>
internal static class Seed
{
    public static Card Card(string uuid, string summary, string indicator = Indicators.Warning) => new()
    {
        Uuid = uuid,
        Summary = summary,
        Indicator = indicator,
        Source = new CardSource { Label = "CDS medication safety", Topic = new Coding { Code = "drug-allergy", System = "urn:cds:topic" } },
    };

    public static async Task AppendHookAsync(IDocumentStore store, string tenant, string hookInstance, DateTimeOffset at, double latencyMs,
        string hook = HookNames.OrderSelect, bool withFeedback = true, string cardSummary = "Penicillin allergy: amoxicillin ordered",
        bool withWriteBack = false)
    {
        var cardUuid = Guid.NewGuid().ToString();
        var card = Card(cardUuid, cardSummary);
        await using var session = store.LightweightSession(tenant);
        var events = new List<object>
        {
            new HookReceived(tenant, hookInstance, hook, "medication-safety", "pat-123", "enc-9", "Practitioner/u1", at,
                ["patient", "medications"], new EpicExtension("60", "Accept", "123", "2024")),
            new PrefetchResolved(["patient"], ["medications"], ["allergies"], []),
            new EnrichmentCompleted(hookInstance, "pat-123", [card],
                [new Finding { RuleId = "drug-allergy", RuleVersion = "3", TopicCode = "drug-allergy", Indicator = Indicators.Warning, Summary = cardSummary, CardUuid = cardUuid }],
                ["drug-allergy@3"], at.AddMilliseconds(latencyMs - 20), false),
            new CardsReturned([card], latencyMs, false, at.AddMilliseconds(latencyMs), CardSources.Live),
        };
        if (withFeedback)
        {
            events.Add(new FeedbackReceived(tenant, hookInstance, "medication-safety", cardUuid, FeedbackOutcomes.Overridden, [],
                [new Coding { Code = "benefit-outweighs-risk", Display = "Benefit outweighs risk" }], null, at.AddSeconds(20), $"fb-{hookInstance}",
                "pat-123", "drug-allergy", Indicators.Warning, at.AddSeconds(21)));
        }
        if (withWriteBack)
        {
            var identifier = $"urn:cds:note:{tenant}:{hookInstance}:{cardUuid}:overridden";
            events.Add(new WriteBackRequested("urn:cds:note", identifier, cardUuid, FeedbackOutcomes.Overridden, "OverrideOfCritical", "11506-3",
                Guid.NewGuid(), at.AddSeconds(22)));
            events.Add(new WriteBackSucceeded(identifier, "eDocRef123", true, 201, at.AddSeconds(23)));
        }
        session.Events.StartStream(hookInstance, events.ToArray());
        await session.SaveChangesAsync();
    }
}

/// <summary>Raw AMQP helpers for tests: declare, publish, count.</summary>
internal static class Amqp
{
    public static async Task<IConnection> ConnectAsync(string amqp)
    {
        var uri = new Uri(amqp);
        var parts = uri.UserInfo.Split(':', 2);
        var factory = new ConnectionFactory
        {
            HostName = uri.Host,
            Port = uri.Port,
            VirtualHost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            UserName = Uri.UnescapeDataString(parts[0]),
            Password = Uri.UnescapeDataString(parts[1]),
        };
        return await factory.CreateConnectionAsync();
    }

    public static async Task DeclareAsync(IConnection connection, params string[] queues)
    {
        await using var channel = await connection.CreateChannelAsync();
        foreach (var q in queues)
        {
            await channel.QueueDeclareAsync(q, durable: true, exclusive: false, autoDelete: false);
        }
    }

    public static async Task PublishAsync(IConnection connection, string queue, string body, string messageId, IDictionary<string, object?>? headers = null)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var props = new BasicProperties { MessageId = messageId, Persistent = true, ContentType = "application/json", Headers = headers };
        await channel.BasicPublishAsync("", queue, true, props, System.Text.Encoding.UTF8.GetBytes(body));
    }

    public static async Task<uint> CountAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>The count, or 0 while the queue does not exist yet (MassTransit declares <c>_error</c> on the first fault).</summary>
    public static async Task<uint> CountOrZeroAsync(IConnection connection, string queue)
    {
        try
        {
            return await CountAsync(connection, queue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }
}

/// <summary>Headless Chromium for the dashboard tests (<c>CDS_CHROMIUM</c>, from <c>infra/local/chromium.sh</c>, else /usr/bin/chromium).</summary>
internal static class HeadlessChromium
{
    public static async Task<Microsoft.Playwright.IBrowser> LaunchAsync(Microsoft.Playwright.IPlaywright playwright)
    {
        var chromium = Environment.GetEnvironmentVariable("CDS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), "Chromium is missing: run `bash infra/local/chromium.sh`");
        return await playwright.Chromium.LaunchAsync(new Microsoft.Playwright.BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A full-page screenshot kept as a test artifact under <c>artifacts/screenshots</c>.</summary>
    public static async Task ScreenshotAsync(Microsoft.Playwright.IPage page, string name)
    {
        var file = Path.Combine(Cds.Testing.RepoSources.Root, "artifacts", "screenshots", name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await page.ScreenshotAsync(new Microsoft.Playwright.PageScreenshotOptions { Path = file, FullPage = true });
        Assert.True(new FileInfo(file).Length > 10_000);
    }
}
