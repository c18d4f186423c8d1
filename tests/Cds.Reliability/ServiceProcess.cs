using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cds.Reliability;

/// <summary>
/// A service in its own process (<c>dotnet X.dll</c>). Its whole console output is kept (the security scenario scans it
/// for secrets) and written to <c>artifacts/reliability/{name}.log</c>. <see cref="KillHard"/> is a real SIGKILL.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, string name, Uri url)
    {
        _process = process;
        Name = name;
        Url = url;
    }

    public string Name { get; }
    public Uri Url { get; }
    public bool HasExited => _process.HasExited;

    public static ServiceProcess Start(string name, string dll, int port, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ServiceProcess(process, name, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} did not start");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    public string Tail(int lines = 15) => string.Join("\n", Output().Split('\n').TakeLast(lines));

    public async Task WaitReadyAsync(string path, TimeSpan timeout, CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Tail()}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(Url, path), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"{Name} not ready after {timeout.TotalSeconds:0} s:\n{Tail()}");
    }

    /// <summary>SIGKILL (what <c>kill -9</c> does): no shutdown hooks, no acknowledgements, no flush.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void SaveLog(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, Name + ".log"), Output());
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            KillHard();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
