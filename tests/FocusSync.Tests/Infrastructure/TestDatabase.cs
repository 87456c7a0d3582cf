using Npgsql;

namespace FocusSync.Tests.Infrastructure;

/// <summary>
/// A fresh database for a test: an SQLite file, or a PostgreSQL database created on the configured server
/// (skipped when none is configured). It outlives the apps started on it until it is disposed, so a test
/// can stop the service and start it again, or run two instances on it.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<Task> _drop;

    private TestDatabase(Db db, string connectionString, Func<Task> drop)
    {
        Db = db;
        ConnectionString = connectionString;
        _drop = drop;
    }

    public Db Db { get; }
    public string ConnectionString { get; }

    public Dictionary<string, string?> Settings => new()
    {
        ["Database:Provider"] = Db == Db.Sqlite ? "Sqlite" : "Postgres",
        ["ConnectionStrings:Default"] = ConnectionString,
    };

    public static async Task<TestDatabase> CreateAsync(Db db)
    {
        if (db == Db.Sqlite)
        {
            var file = Path.Combine(Path.GetTempPath(), $"focussync-test-{Guid.NewGuid():N}.db");
            return new TestDatabase(db, $"Data Source={file};Pooling=False", () =>
            {
                foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                {
                    File.Delete(path);
                }

                return Task.CompletedTask;
            });
        }

        var admin = TestServices.RequirePostgres();
        var name = $"focussync_test_{Guid.NewGuid():N}";
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"");
        var own = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(db, own.ConnectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()
                """);
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\"");
        });
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
