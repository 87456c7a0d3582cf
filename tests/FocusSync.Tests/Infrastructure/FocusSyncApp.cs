using System.Net.Http.Headers;
using FocusSync.Tests.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

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
}

/// <summary>
/// The service as tests see it: the real Program on a fresh database, a fake clock, and Firebase-mode
/// sign-in trusting the test's own RSA key.
/// </summary>
public sealed class FocusSyncApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly Func<Task> _dropDatabase;

    private FocusSyncApp(Db db, Dictionary<string, string?> database, Func<Task> dropDatabase, IDictionary<string, string?>? extra)
    {
        Db = db;
        _dropDatabase = dropDatabase;
        Tokens = new TestTokens(Clock);
        _settings = new(Tokens.FirebaseConfiguration())
        {
            // Tests drive bursts far beyond a person's pace; tests of the limiter set their own.
            ["RateLimits:PermitsPerSecond"] = "100000",
            ["RateLimits:Burst"] = "100000",
        };
        foreach (var (key, value) in database.Concat(extra ?? new Dictionary<string, string?>()))
        {
            _settings[key] = value;
        }
    }

    /// <summary>The service's clock; it only moves when a test moves it.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero));

    public TestTokens Tokens { get; }
    public Db Db { get; }

    /// <summary>The database this app uses; another app given it shares the data (several instances).</summary>
    public string ConnectionString => _settings["ConnectionStrings:Default"]!;

    public static async Task<FocusSyncApp> StartAsync(Db db, IDictionary<string, string?>? settings = null)
    {
        FocusSyncApp app;
        if (db == Db.Sqlite)
        {
            var file = Path.Combine(Path.GetTempPath(), $"focussync-test-{Guid.NewGuid():N}.db");
            app = new FocusSyncApp(db, new()
            {
                ["Database:Provider"] = "Sqlite",
                ["ConnectionStrings:Default"] = $"Data Source={file};Pooling=False",
            }, () =>
            {
                foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                {
                    File.Delete(path);
                }

                return Task.CompletedTask;
            }, settings);
        }
        else
        {
            Skip.If(TestServices.Postgres is null && !TestServices.RequireServices,
                $"PostgreSQL is not configured ({TestServices.PostgresVariable} is unset).");
            var admin = new NpgsqlConnectionStringBuilder(TestServices.RequirePostgres());
            var name = $"focussync_test_{Guid.NewGuid():N}";
            await ExecuteAsync(admin.ConnectionString, $"CREATE DATABASE \"{name}\"");
            var own = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = name };
            app = new FocusSyncApp(db, new()
            {
                ["Database:Provider"] = "Postgres",
                ["ConnectionStrings:Default"] = own.ConnectionString,
            }, async () =>
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(admin.ConnectionString, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            }, settings);
        }

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
        await _dropDatabase();
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

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
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

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var app in _apps.Values)
        {
            await app.DisposeAsync();
        }

        _lock.Dispose();
    }
}
