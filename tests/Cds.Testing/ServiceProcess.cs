using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cds.Testing;

/// <summary>
/// A service in its own process (<c>dotnet X.dll</c>) on a loopback port, for the benchmark and reliability runners:
/// its memory and GC are its own, and <see cref="KillHard"/> is a real SIGKILL. Console output is kept whole (the
/// security scenario scans it for secrets) or, for long benchmark runs, only its last lines.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int TailLines = 20;
    private readonly Process _process;
    private readonly bool _keepAll;
    private readonly StringBuilder _output = new();
    private readonly Queue<string> _tail = new();

    private ServiceProcess(Process process, string name, Uri url, bool keepAll)
    {
        _process = process;
        Name = name;
        Url = url;
        _keepAll = keepAll;
    }

    public string Name { get; }
    public Uri Url { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public static ServiceProcess Start(string name, string dll, int port, IReadOnlyDictionary<string, string> environment,
        IEnumerable<string>? args = null, bool keepAllOutput = true)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args ?? [])
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ServiceProcess(process, name, new Uri($"http://127.0.0.1:{port}/"), keepAllOutput);
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
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_keepAll)
            {
                _output.AppendLine(line);
                return;
            }
            _tail.Enqueue(line.Length > 400 ? line[..400] : line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    /// <summary>Everything the process printed (or its last lines, when started without keeping all output).</summary>
    public string Output()
    {
        lock (_output)
        {
            return _keepAll ? _output.ToString() : string.Join("\n", _tail);
        }
    }

    public string Tail(int lines = 15) => string.Join("\n", Output().Split('\n').TakeLast(lines));

    public Task WaitReadyAsync(string path, TimeSpan timeout, CancellationToken ct = default) =>
        WaitReadyAsync(new Uri(Url, path), timeout, ct);

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; fails with the process's last output when it exits or times out.</summary>
    public async Task WaitReadyAsync(Uri url, TimeSpan timeout, CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.UntilAsync(async () =>
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Tail()}");
            }
            try
            {
                using var response = await http.GetAsync(url, ct);
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return false;
            }
        }, () => $"{Name} not ready after {timeout.TotalSeconds:0} s:\n{Tail()}", timeout);
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

    /// <summary>Peak resident set size (VmHWM) in MB, from /proc; null where /proc is not available.</summary>
    public double? PeakRssMb() => ProcStatus("VmHWM:");

    public double? RssMb() => ProcStatus("VmRSS:");

    /// <summary>
    /// The resident set now, by kind (MB, from /proc; null without it): anonymous (GC heaps, native allocations),
    /// file-backed (mapped assemblies and native libraries, much of it shared with other .NET processes) and shared
    /// memory (on Linux, the runtime's W^X double mapping of JIT-compiled code and stubs).
    /// </summary>
    public (double Anon, double File, double Shmem)? RssBreakdownMb() =>
        ProcStatus("RssAnon:") is { } anon && ProcStatus("RssFile:") is { } file && ProcStatus("RssShmem:") is { } shmem
            ? (anon, file, shmem)
            : null;

    private double? ProcStatus(string key)
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return null;
        }
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
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
