using System.Net.Http.Headers;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FocusSync.Tests.Api;

/// <summary>
/// A database that outlives the apps started on it, so a test can stop the service and start it again
/// later (FocusSyncApp always starts on a fresh database).
/// </summary>
internal sealed class PersistentDatabase : IAsyncDisposable
{
    private readonly Func<Task> _drop;

    private PersistentDatabase(Dictionary<string, string?> settings, Func<Task> drop)
    {
        Settings = settings;
        _drop = drop;
    }

    public Dictionary<string, string?> Settings { get; }

    public static async Task<PersistentDatabase> CreateAsync(Db db)
    {
        if (db == Db.Sqlite)
        {
            var file = Path.Combine(Path.GetTempPath(), $"focussync-restart-{Guid.NewGuid():N}.db");
            return new PersistentDatabase(
                new() { ["Database:Provider"] = "Sqlite", ["ConnectionStrings:Default"] = $"Data Source={file};Pooling=False" },
                () =>
                {
                    foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                    {
                        File.Delete(path);
                    }

                    return Task.CompletedTask;
                });
        }

        Skip.If(TestServices.Postgres is null && !TestServices.RequireServices,
            $"PostgreSQL is not configured ({TestServices.PostgresVariable} is unset).");
        var admin = TestServices.RequirePostgres();
        var name = $"focussync_restart_{Guid.NewGuid():N}";
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"");
        var own = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new PersistentDatabase(
            new() { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Default"] = own.ConnectionString },
            async () =>
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            });
    }

    /// <summary>Starts the service on this database with its clock at <paramref name="now"/>.</summary>
    public RestartableApp Start(DateTimeOffset now)
    {
        var app = new RestartableApp(Settings, now);
        app.StartServer();
        return app;
    }

    public async ValueTask DisposeAsync() => await _drop();

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>One run of the service on a <see cref="PersistentDatabase"/>; disposing it is the "shutdown".</summary>
internal sealed class RestartableApp : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public RestartableApp(IReadOnlyDictionary<string, string?> database, DateTimeOffset now)
    {
        Clock = new FakeTimeProvider(now);
        Tokens = new TestTokens(Clock);
        _settings = new(Tokens.FirebaseConfiguration());
        foreach (var (key, value) in database)
        {
            _settings[key] = value;
        }
    }

    public FakeTimeProvider Clock { get; }

    public TestTokens Tokens { get; }

    public HttpClient ClientFor(string uid) => CreateDefaultClient(new FreshToken(this, uid));

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

    private sealed class FreshToken(RestartableApp app, string uid) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", app.Tokens.Mint(uid));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
