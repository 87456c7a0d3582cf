using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FocusSync.Tests.Web;

/// <summary>
/// The real service on Kestrel, because a browser needs a socket: development sign-in, the real clock,
/// and an SQLite file that outlives a restart on the same port.
/// </summary>
public sealed class WebClientServer : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;

    private WebClientServer(string databaseFile, int port, IReadOnlyDictionary<string, string?>? settings)
    {
        DatabaseFile = databaseFile;
        Port = port;
        var all = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Development",
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Default"] = $"Data Source={databaseFile};Pooling=False",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        _settings = all;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    public string DatabaseFile { get; }
    public int Port { get; }
    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>Starts the service on a new database and a free port, or on the given ones after a stop.</summary>
    public static WebClientServer Start(
        string? databaseFile = null, int? port = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var server = new WebClientServer(
            databaseFile ?? Path.Combine(Path.GetTempPath(), $"focussync-web-{Guid.NewGuid():N}.db"),
            port ?? FreePort(),
            settings);
        server.StartServer();
        return server;
    }

    /// <summary>Stops the service but keeps its database, for a restart with <see cref="Start"/>.</summary>
    public Task StopAsync() => base.DisposeAsync().AsTask();

    /// <summary>An HTTP client signed in as <paramref name="uid"/> through <c>POST /dev/token</c>.</summary>
    public async Task<HttpClient> SignedInClientAsync(string uid)
    {
        var client = new HttpClient { BaseAddress = Address };
        using var response = await client.PostAsJsonAsync("/dev/token", new { uid, name = uid });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<TokenResponse>())!.Token;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Stops the service and deletes its database.</summary>
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var path in new[] { DatabaseFile, DatabaseFile + "-wal", DatabaseFile + "-shm" })
        {
            File.Delete(path);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record TokenResponse(string Token, long ExpiresAtMs);
}
