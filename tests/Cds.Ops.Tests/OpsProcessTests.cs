using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cds.Testing;

namespace Cds.Ops.Tests;

/// <summary>
/// The real binary, as operators run it: <c>dotnet Cds.Ops.dll &lt;command&gt;</c> and <c>dotnet Cds.Ops.dll serve</c>,
/// configured only through the environment (the CDS_* exports of infra/local/up.sh fill the connection strings).
/// </summary>
public sealed class OpsProcessTests : IAsyncLifetime
{
    private readonly IsolatedInfrastructure _infra = new();

    public Task InitializeAsync() => _infra.InitializeAsync();

    public Task DisposeAsync() => _infra.DisposeAsync();

    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "Cds.Ops.dll");

    private ProcessStartInfo Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["CDS_RABBITMQ"] = _infra.RabbitMq;
        info.Environment["CDS_RABBITMQ_MANAGEMENT"] = _infra.Endpoints.RabbitMqManagement.ToString();
        info.Environment["CDS_POSTGRES"] = _infra.Postgres;
        info.Environment["EventStore__Schema"] = _infra.Schema;
        info.Environment.Remove("ConnectionStrings__RabbitMq");
        info.Environment.Remove("ConnectionStrings__Postgres");
        info.Environment.Remove("ConnectionStrings__RabbitMqManagement");
        return info;
    }

    [Fact]
    public async Task The_cli_runs_as_a_process_from_the_environment()
    {
        await using (var connection = await Amqp.ConnectAsync(_infra.RabbitMq))
        {
            await Amqp.DeclareAsync(connection, "proc-target", "proc-target_error");
        }
        using var process = Process.Start(Start("errors", "list"))!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{error}");
        Assert.Contains($"virtual host '{_infra.VirtualHost}'", output, StringComparison.Ordinal);
        Assert.Contains("proc-target_error", output, StringComparison.Ordinal);

        using var usage = Process.Start(Start("errors", "nonsense"))!;
        await usage.StandardOutput.ReadToEndAsync();
        await usage.StandardError.ReadToEndAsync();
        await usage.WaitForExitAsync();
        Assert.NotEqual(0, usage.ExitCode);
    }

    [Fact]
    public async Task The_dashboard_serves_as_a_process_and_refuses_without_credential()
    {
        var port = FreePort();
        var info = Start("serve", "--urls", $"http://127.0.0.1:{port}");
        info.Environment["Ops__DashboardUser"] = "ops";
        info.Environment["Ops__DashboardPassword"] = "process-test";
        using var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            var live = await Eventually.WaitForAsync(async () =>
            {
                Assert.False(process.HasExited, "the dashboard process exited: " + (process.HasExited ? await stderr : ""));
                try
                {
                    return await http.GetAsync("health/live");
                }
                catch (HttpRequestException)
                {
                    return null; // not listening yet
                }
            }, timeout: TimeSpan.FromSeconds(60), interval: TimeSpan.FromMilliseconds(250));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/state")).StatusCode);

            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", DashboardFixture.Basic("ops", "process-test"));
            using var state = await http.GetAsync("api/state");
            Assert.Equal(HttpStatusCode.OK, state.StatusCode);
            Assert.Contains($"\"virtualHost\":\"{_infra.VirtualHost}\"", await state.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
