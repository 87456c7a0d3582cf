using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using FocusSync.Client;
using FocusSync.Tests.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Tests.Infrastructure;

public enum Db
{
    Sqlite,
    Postgres,
}

/// <summary>Every database the integration tests run against; PostgreSQL rows skip when it is not configured.</summary>
public sealed class Databases : TheoryData<Db>
{
    public Databases()
    {
        Add(Db.Sqlite);
        Add(Db.Postgres);
    }

    /// <summary>Every (body, field) case on every database.</summary>
    public static TheoryData<Db, string, string> Each(IEnumerable<(string Body, string Field)> cases)
    {
        var data = new TheoryData<Db, string, string>();
        foreach (var db in Enum.GetValues<Db>())
        {
            foreach (var (body, field) in cases)
            {
                data.Add(db, body, field);
            }
        }

        return data;
    }
}

public enum SignIn
{
    /// <summary>Firebase mode trusting the key of the app's <see cref="FocusSyncApp.Tokens"/>.</summary>
    Firebase,

    /// <summary>Development sign-in: tokens come from <c>POST /dev/token</c>.</summary>
    Development,

    /// <summary>Only what the test's settings say about sign-in, for tests of the sign-in configuration itself.</summary>
    AsConfigured,
}

/// <summary>How a test's app runs; the defaults are the in-memory server, Firebase sign-in and a fake clock.</summary>
public sealed record AppOptions
{
    public static readonly DateTimeOffset DefaultNow = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The service as a browser meets it: real sockets, development sign-in and the real clock.</summary>
    public static readonly AppOptions Browser = new() { RealSockets = true, SignIn = SignIn.Development, RealClock = true };

    /// <summary>Configuration keys in <c>Section:Key</c> form, over the test defaults.</summary>
    public IReadOnlyDictionary<string, string?>? Settings { get; init; }

    /// <summary>Kestrel on a loopback port instead of the in-memory server, for tests that need real sockets.</summary>
    public bool RealSockets { get; init; }

    /// <summary>The port for <see cref="RealSockets"/> (a restart on the same address); a free one when null.</summary>
    public int? Port { get; init; }

    /// <summary>False turns the background job off (<c>DueWork:Enabled=false</c>): only requests change anything.</summary>
    public bool DueWork { get; init; } = true;

    public SignIn SignIn { get; init; } = SignIn.Firebase;

    /// <summary>The system clock instead of a fake one, for a browser whose countdowns run in real time.</summary>
    public bool RealClock { get; init; }

    /// <summary>Where a fresh fake clock starts.</summary>
    public DateTimeOffset Now { get; init; } = DefaultNow;

    /// <summary>A fake clock to share with other apps or the test, instead of a fresh one.</summary>
    public FakeTimeProvider? Clock { get; init; }

    /// <summary>The token minter to share with other apps or the test, instead of a fresh one.</summary>
    public TestTokens? Tokens { get; init; }

    public string Environment { get; init; } = "Development";

    /// <summary>Replaces or adds services after the app's own registrations.</summary>
    public Action<IServiceCollection>? Services { get; init; }
}

/// <summary>
/// The service as tests see it: the real Program on a database of the test, started as <see cref="AppOptions"/> say
/// (by default on the in-memory test server, with a fake clock and Firebase-mode sign-in trusting the test's own RSA key).
/// </summary>
public sealed class FocusSyncApp : WebApplicationFactory<Program>
{
    private readonly AppOptions _options;
    private readonly Dictionary<string, string?> _settings;
    private readonly TestDatabase? _ownDatabase;
    private readonly FakeTimeProvider? _clock;

    private FocusSyncApp(TestDatabase database, bool ownsDatabase, AppOptions options)
    {
        _options = options;
        Db = database.Db;
        _ownDatabase = ownsDatabase ? database : null;
        _clock = options.RealClock ? null : options.Clock ?? new FakeTimeProvider(options.Now);
        Tokens = options.Tokens ?? new TestTokens(_clock);
        _settings = new(HostDefaults.Settings);
        var signIn = options.SignIn switch
        {
            SignIn.Firebase => Tokens.FirebaseConfiguration(),
            SignIn.Development => new Dictionary<string, string?> { ["Auth:Mode"] = "Development" },
            _ => [],
        };
        var dueWork = options.DueWork ? [] : new Dictionary<string, string?> { ["DueWork:Enabled"] = "false" };
        foreach (var (key, value) in signIn.Concat(dueWork).Concat(database.Settings).Concat(options.Settings ?? new Dictionary<string, string?>()))
        {
            _settings[key] = value;
        }

        if (options.RealSockets)
        {
            var port = options.Port ?? FreePort();
            Address = new Uri($"http://127.0.0.1:{port}/");
            UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        }
    }

    /// <summary>The service's clock; it only moves when a test moves it.</summary>
    public FakeTimeProvider Clock => _clock ?? throw new InvalidOperationException("This app runs on the real clock.");

    public TestTokens Tokens { get; }
    public Db Db { get; }

    /// <summary>Whether the app listens on a real socket (<see cref="AppOptions.RealSockets"/>).</summary>
    public bool RealSockets => _options.RealSockets;

    /// <summary>The base address: the Kestrel socket, or the in-memory server's.</summary>
    public Uri Address
    {
        get => field ?? Server.BaseAddress;
        private init;
    }

    /// <summary>The service on a fresh database of its own, dropped with the app.</summary>
    public static Task<FocusSyncApp> StartAsync(Db db, IReadOnlyDictionary<string, string?>? settings = null) =>
        StartAsync(db, new AppOptions { Settings = settings });

    /// <inheritdoc cref="StartAsync(Db, IReadOnlyDictionary{string, string?}?)"/>
    public static async Task<FocusSyncApp> StartAsync(Db db, AppOptions options)
    {
        var app = new FocusSyncApp(await TestDatabase.CreateAsync(db), true, options);
        try
        {
            app.StartServer();
            return app;
        }
        catch
        {
            // A start that fails (bad settings) still drops the database.
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>The service on a database that outlives it (a restart is disposing it and starting another).</summary>
    public static FocusSyncApp Start(TestDatabase database, DateTimeOffset now, IReadOnlyDictionary<string, string?>? settings = null) =>
        Start(database, new AppOptions { Now = now, Settings = settings });

    /// <inheritdoc cref="Start(TestDatabase, DateTimeOffset, IReadOnlyDictionary{string, string?}?)"/>
    public static FocusSyncApp Start(TestDatabase database, AppOptions options)
    {
        var app = new FocusSyncApp(database, false, options);
        app.StartServer();
        return app;
    }

    /// <summary>
    /// A client signed in as <paramref name="uid"/>: in Firebase mode with a fresh token for every request, in
    /// development mode with a token from <c>POST /dev/token</c>.
    /// </summary>
    public UserClient ClientFor(string uid) =>
        ClientFor(uid, _options.SignIn == SignIn.Development ? new DevToken(this, uid).GetAsync : _ => ValueTask.FromResult(Tokens.Mint(uid)));

    /// <summary>A client of <paramref name="uid"/> sending <paramref name="token"/>, from a sign-in the test did itself.</summary>
    public UserClient ClientFor(string uid, string token) => ClientFor(uid, _ => ValueTask.FromResult(token));

    private UserClient ClientFor(string uid, AccessTokenProvider tokens) =>
        new(this, uid, new SignedIn(tokens) { InnerHandler = RealSockets ? new SocketsHttpHandler() : Server.CreateHandler() }, tokens);

    /// <summary>A client without a token, on the app's own transport.</summary>
    public HttpClient AnonymousClient() => RealSockets ? new HttpClient { BaseAddress = Address } : CreateClient();

    public static string NewUserId() => "user-" + Guid.NewGuid().ToString("N")[..12];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownDatabase is not null)
        {
            await _ownDatabase.DisposeAsync();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_options.Environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            if (_clock is not null)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(_clock);
            }

            _options.Services?.Invoke(services);
        });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Signs a request the test did not sign itself.</summary>
    private sealed class SignedIn(AccessTokenProvider tokens) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", await tokens(cancellationToken));
            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Signs in through <c>POST /dev/token</c> when first asked and keeps the token.</summary>
    private sealed class DevToken(FocusSyncApp app, string uid)
    {
        private string? _token;

        public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
        {
            if (_token is null)
            {
                using var anonymous = app.AnonymousClient();
                _token = await HostDefaults.DevTokenAsync(anonymous, uid);
            }

            return _token;
        }
    }
}

/// <summary>What every test service shares, whether it runs in the test process or as a process of its own.</summary>
public static class HostDefaults
{
    /// <summary>
    /// Tests drive bursts far beyond a person's pace, health probes included; tests of the limiter set their own limits.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["RateLimits:PermitsPerSecond"] = "100000",
        ["RateLimits:Burst"] = "100000",
        ["RateLimits:HealthPermitsPerSecond"] = "100000",
        ["RateLimits:HealthBurst"] = "100000",
    };

    /// <summary>A development token for <paramref name="uid"/> (named after it) from <c>POST /dev/token</c>.</summary>
    public static async Task<string> DevTokenAsync(HttpClient anonymous, string uid) =>
        (await FocusSyncClient.IssueDevelopmentTokenAsync(anonymous, uid)).Token;
}

/// <summary>A class fixture holding one app per database, started on first use.</summary>
public sealed class Apps : IAsyncLifetime
{
    private readonly Dictionary<Db, FocusSyncApp> _apps = [];
    private readonly SemaphoreSlim _lock = new(1, 1);

    public async Task<FocusSyncApp> ForAsync(Db db)
    {
        await _lock.WaitAsync();
        try
        {
            if (!_apps.TryGetValue(db, out var app))
            {
                app = await FocusSyncApp.StartAsync(db);
                _apps[db] = app;
            }

            return app;
        }
        finally
        {
            _lock.Release();
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps.Values)
        {
            await app.DisposeAsync();
        }

        _lock.Dispose();
    }
}
