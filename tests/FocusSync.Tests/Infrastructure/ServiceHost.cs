using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace FocusSync.Tests.Infrastructure;

/// <summary>
/// The built service as a real child process (Kestrel, real sockets, its own process to kill or stop), started from
/// the build of the service in the test assembly's configuration, with development sign-in under a signing key
/// that the test keeps, so tokens stay valid when the process is started again on the same database. It is not a
/// <see cref="FocusSyncApp"/> because the tests that use it need the process itself: to crash it, stop it with a
/// signal or run two of them; it starts from the same <see cref="HostDefaults"/>.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private static readonly TimeSpan _readyTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output;

    private ServiceHost(Process process, Uri address, StringBuilder output)
    {
        _process = process;
        _output = output;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }

    /// <summary>An anonymous client (health, <c>/dev/token</c>).</summary>
    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to stdout and stderr so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>A fresh RSA private key in PEM, for <c>Auth:DevelopmentSigningKey</c>.</summary>
    public static string NewSigningKeyPem()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportRSAPrivateKeyPem();
    }

    /// <summary>
    /// Starts the service with <paramref name="settings"/> (configuration keys in <c>Section:Key</c> form) on a free
    /// port and waits until <c>/health/ready</c> answers 200.
    /// </summary>
    public static async Task<ServiceHost> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var dll = ServiceDll();
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__FocusSync.Api.Realtime"] = "Information";
        foreach (var (key, value) in HostDefaults.Settings.Concat(settings))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("The service did not start.");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new ServiceHost(process, address, output);
        try
        {
            await host.WaitUntilReadyAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>A development token for <paramref name="uid"/> from <c>POST /dev/token</c>.</summary>
    public Task<string> TokenAsync(string uid) => HostDefaults.DevTokenAsync(Http, uid);

    /// <summary>A client of its own (its own connections) sending <paramref name="token"/> on every request.</summary>
    public HttpClient ClientFor(string token, HttpMessageHandler? handler = null)
    {
        var client = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true)
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>SIGKILL: the process ends at once, with no chance to finish or flush anything.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: asks the process to shut down gracefully, as a container runtime or systemd does.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) } })
            ?? throw new InvalidOperationException("kill did not start.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {ProcessId} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether a TCP connection to the service's port is accepted (false once Kestrel stops listening).</summary>
    public async Task<bool> IsListeningAsync()
    {
        using var tcp = new TcpClient();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await tcp.ConnectAsync(Address.Host, Address.Port, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The service's build in this test assembly's configuration (the test project references it, so it is built).</summary>
    private static string ServiceDll()
    {
        var configuration = typeof(ServiceHost).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FocusSync.slnx")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException($"No FocusSync.slnx above {AppContext.BaseDirectory}.");
        }

        var dll = Path.Combine(root.FullName, "src", "FocusSync.Api", "bin", configuration, "net10.0", "FocusSync.Api.dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"Build the service first: dotnet build -c {configuration} ({dll} is missing).", dll);
    }

    private async Task WaitUntilReadyAsync()
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var ready = await Http.GetAsync("/health/ready", cts.Token);
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                // Not listening yet.
            }

            if (elapsed.Elapsed > _readyTimeout)
            {
                throw new TimeoutException($"The service was not ready within {_readyTimeout.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
