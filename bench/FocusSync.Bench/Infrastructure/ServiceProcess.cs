using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace FocusSync.Bench.Infrastructure;

/// <summary>
/// The real service as a child process, run from its Release build with development sign-in, so a
/// benchmark measures what a deployment runs (Kestrel, real sockets) rather than the in-memory test host.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
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

    public static async Task<ServiceProcess> StartAsync(
        string repoRoot, string provider, string connectionString, IDictionary<string, string>? settings = null,
        CancellationToken cancellationToken = default)
    {
        var dll = Path.Combine(repoRoot, "src", "FocusSync.Api", "bin", "Release", "net10.0", "FocusSync.Api.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the service first: dotnet build -c Release ({dll} is missing).", dll);
        }

        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\"")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = address.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Database__Provider"] = provider;
        start.Environment["ConnectionStrings__Default"] = connectionString;
        start.Environment["Auth__Mode"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The service did not start.");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(process, address);
        var deadline = Stopwatch.StartNew();
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

            await Task.Delay(100, cancellationToken);
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
