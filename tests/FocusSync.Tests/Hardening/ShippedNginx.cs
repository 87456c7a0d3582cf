using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Hardening;

/// <summary>
/// <c>deploy/nginx.conf</c> run by a local nginx (path in <c>FOCUSSYNC_TEST_NGINX</c>), changed only where compose
/// differs from a test: it listens on a free loopback port and proxies to <c>upstreamPort</c> instead of the
/// compose services, whose names only resolve inside compose. Its access log is the process's standard output.
/// </summary>
internal sealed class ShippedNginx : IAsyncDisposable
{
    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly string _directory;
    private readonly List<string> _accessLog = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Line)> _awaited = [];

    private ShippedNginx(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        _process.OutputDataReceived += (_, e) => OnAccessLogLine(e.Data);
    }

    public Uri Address { get; }

    /// <summary>Writes the configuration to a directory of its own; returns the main file that includes it.</summary>
    public static string WriteConfiguration(string directory, int listenPort, int upstreamPort)
    {
        var shipped = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "nginx.conf"));
        var site = Replace(shipped, "listen 80;", $"listen 127.0.0.1:{listenPort};");
        site = Replace(site, "server focussync-1:8080;", $"server 127.0.0.1:{upstreamPort};");
        site = Replace(site, "server focussync-2:8080;", $"server 127.0.0.1:{upstreamPort};");
        var sitePath = Path.Combine(directory, "site.conf");
        File.WriteAllText(sitePath, site);
        var main = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(main, $$"""
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log;
            events {}
            http { include {{sitePath}}; }
            """);
        return main;
    }

    /// <summary>Runs <c>nginx -t</c> on the configuration; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> TestConfigurationAsync()
    {
        var directory = Directory.CreateTempSubdirectory("focussync-nginx-").FullName;
        try
        {
            var main = WriteConfiguration(directory, FreePort(), FreePort());
            using var process = Process.Start(Start("-t", "-p", directory, "-e", "stderr", "-c", main))
                ?? throw new InvalidOperationException("nginx did not start.");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await errors);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public static async Task<ShippedNginx> StartAsync(int upstreamPort)
    {
        var directory = Directory.CreateTempSubdirectory("focussync-nginx-").FullName;
        var port = FreePort();
        var main = WriteConfiguration(directory, port, upstreamPort);
        var process = Process.Start(Start("-p", directory, "-e", Path.Combine(directory, "error.log"), "-c", main))
            ?? throw new InvalidOperationException("nginx did not start.");
        var nginx = new ShippedNginx(process, directory, new Uri($"http://127.0.0.1:{port}"));
        process.BeginOutputReadLine();
        try
        {
            await nginx.WaitUntilListeningAsync(port);
            return nginx;
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
    }

    /// <summary>The first access log line that <paramref name="match"/> accepts, waiting up to 10 s for it.</summary>
    public async Task<string> AccessLogLineAsync(Func<string, bool> match)
    {
        try
        {
            return await AwaitAccessLogLine(match).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            lock (_accessLog)
            {
                throw new TimeoutException(
                    $"No line that nginx logged to its standard output within 10 s matched; it logged:\n{string.Join('\n', _accessLog)}");
            }
        }
    }

    private Task<string> AwaitAccessLogLine(Func<string, bool> match)
    {
        var line = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_accessLog)
        {
            if (_accessLog.FirstOrDefault(match) is { } logged)
            {
                return Task.FromResult(logged);
            }

            _awaited.Add((match, line));
        }

        return line.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static ProcessStartInfo Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(TestServices.RequireNginx())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private void OnAccessLogLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_accessLog)
        {
            _accessLog.Add(line);
            foreach (var awaited in _awaited.Where(a => a.Match(line)).ToList())
            {
                _awaited.Remove(awaited);
                awaited.Line.TrySetResult(line);
            }
        }
    }

    private async Task WaitUntilListeningAsync(int port)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                var errors = await _process.StandardError.ReadToEndAsync();
                var log = File.Exists(Path.Combine(_directory, "error.log"))
                    ? await File.ReadAllTextAsync(Path.Combine(_directory, "error.log"))
                    : "";
                throw new InvalidOperationException($"nginx exited with {_process.ExitCode}:\n{errors}\n{log}");
            }

            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (elapsed.Elapsed < _startTimeout)
            {
                // Not listening yet.
            }

            await Task.Delay(20);
        }
    }

    private static string Replace(string text, string shipped, string replacement) =>
        text.Contains(shipped, StringComparison.Ordinal)
            ? text.Replace(shipped, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"deploy/nginx.conf no longer contains \"{shipped}\"; update {nameof(ShippedNginx)}.");

    private static string RepositoryRoot()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FocusSync.slnx")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException($"No FocusSync.slnx above {AppContext.BaseDirectory}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
