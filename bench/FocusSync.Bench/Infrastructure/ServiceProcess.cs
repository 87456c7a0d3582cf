using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FocusSync.Bench.Infrastructure;

/// <summary>
/// The real service as a child process, run from its Release build with development sign-in, so a
/// benchmark measures what a deployment runs (Kestrel, real sockets) rather than the in-memory test host.
/// Baseline servers run the same way (this program's <c>baseline-server</c> mode), so each side's CPU
/// time and memory are those of its own process.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    /// <summary>From just before the process was started to its first 200 from <c>GET /health</c>.</summary>
    public TimeSpan TimeToHealthy { get; private set; }

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public long WorkingSetBytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }

    /// <summary>The median of 5 readings of the working set 200 ms apart, so one reading taken mid-collection does not decide.</summary>
    public async Task<long> SettledWorkingSetAsync(CancellationToken cancellationToken)
    {
        var readings = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            readings.Add(WorkingSetBytes);
            await Task.Delay(200, cancellationToken);
        }

        return (long)Stats.Median(readings);
    }

    /// <summary>This program in its <c>baseline-server</c> mode: the raw ASP.NET Core endpoints the service is compared with.</summary>
    public static Task<ServiceProcess> StartBaselineAsync(IDictionary<string, string>? settings = null, CancellationToken cancellationToken = default)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "FocusSync.Bench.dll");
        // Server GC, as a web project (the service included) gets by default; this console program otherwise runs workstation GC.
        var environment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return LaunchAsync(dll, "baseline-server", environment, cancellationToken);
    }

    public static async Task<ServiceProcess> StartAsync(
        string repoRoot, string provider, string connectionString, IDictionary<string, string>? settings = null,
        CancellationToken cancellationToken = default)
    {
        var dll = Path.Combine(repoRoot, "src", "FocusSync.Api", "bin", "Release", "net10.0", "FocusSync.Api.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the service first: dotnet build -c Release ({dll} is missing).", dll);
        }

        var environment = new Dictionary<string, string>
        {
            ["Database__Provider"] = provider,
            ["ConnectionStrings__Default"] = connectionString,
            ["Auth__Mode"] = "Development",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return await LaunchAsync(dll, "", environment, cancellationToken);
    }

    /// <summary>
    /// Starts the process on a port the system picks when Kestrel binds, read from its "Now listening on" line: a port
    /// picked beforehand could be taken by another benchmark's server in between, and this one's health check would
    /// then be answered by that server (two runs at once drove one service and each saw the other's events).
    /// </summary>
    private static async Task<ServiceProcess> LaunchAsync(
        string dll, string arguments, IDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}".TrimEnd())
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var deadline = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("The service did not start.");
        var output = new System.Text.StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            Append(output, e.Data);
            if (e.Data is { } line && ListeningOn().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync(cancellationToken);
        if (await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), cancellationToken)) != listening.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException($"The service did not start listening:\n{Read(output)}");
        }

        var service = new ServiceProcess(process, await listening.Task);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {process.ExitCode}:\n{Read(output)}");
            }

            try
            {
                using var health = await service.Http.GetAsync("/health", cancellationToken);
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    service.TimeToHealthy = deadline.Elapsed;
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                await service.DisposeAsync();
                throw new TimeoutException($"The service did not become healthy within 60 s:\n{Read(output)}");
            }

            // A short poll, so the cold-start figure is not rounded up by the poll interval.
            await Task.Delay(5, cancellationToken);
        }
    }

    /// <summary>A development token for <paramref name="uid"/> from <c>POST /dev/token</c>.</summary>
    public async Task<string> TokenAsync(string uid, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsJsonAsync("/dev/token", new { uid }, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();

    private static void Append(System.Text.StringBuilder output, string? line)
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

    private static string Read(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
