using System.Net.Http.Headers;
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

/// <summary>
/// The service as tests see it: the real Program on a fresh database, a fake clock, and Firebase-mode
/// sign-in trusting the test's own RSA key.
/// </summary>
public sealed class FocusSyncApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly TestDatabase? _ownDatabase;

    private FocusSyncApp(TestDatabase database, bool ownsDatabase, DateTimeOffset now, IDictionary<string, string?>? extra)
    {
        Db = database.Db;
        _ownDatabase = ownsDatabase ? database : null;
        Clock = new FakeTimeProvider(now);
        Tokens = new TestTokens(Clock);
        _settings = new(Tokens.FirebaseConfiguration())
        {
            // Tests drive bursts far beyond a person's pace; tests of the limiter set their own.
            ["RateLimits:PermitsPerSecond"] = "100000",
            ["RateLimits:Burst"] = "100000",
        };
        foreach (var (key, value) in database.Settings.Concat(extra ?? new Dictionary<string, string?>()))
        {
            _settings[key] = value;
        }
    }

    /// <summary>The service's clock; it only moves when a test moves it.</summary>
    public FakeTimeProvider Clock { get; }

    public TestTokens Tokens { get; }
    public Db Db { get; }

    /// <summary>The service on a fresh database of its own, dropped with the app; the clock starts at 2026-06-01 08:00 UTC.</summary>
    public static async Task<FocusSyncApp> StartAsync(Db db, IDictionary<string, string?>? settings = null)
    {
        var app = new FocusSyncApp(await TestDatabase.CreateAsync(db), true, new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero), settings);
        app.StartServer();
        return app;
    }

    /// <summary>The service on a database that outlives it (a restart is disposing it and starting another).</summary>
    public static FocusSyncApp Start(TestDatabase database, DateTimeOffset now, IDictionary<string, string?>? settings = null)
    {
        var app = new FocusSyncApp(database, false, now, settings);
        app.StartServer();
        return app;
    }

    /// <summary>An HTTP client signed in as <paramref name="uid"/>, with a fresh token for every request.</summary>
    public HttpClient ClientFor(string uid)
    {
        var client = CreateDefaultClient(new FreshToken(this, uid));
        return client;
    }

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
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    private sealed class FreshToken(FocusSyncApp app, string uid) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", app.Tokens.Mint(uid));
            return base.SendAsync(request, cancellationToken);
        }
    }
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
