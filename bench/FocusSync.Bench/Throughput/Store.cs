using Microsoft.Data.Sqlite;
using Npgsql;

namespace FocusSync.Bench.Throughput;

/// <summary>
/// Where one throughput measurement keeps its data: the service's database and the baseline's table with
/// one session row per client, on an SQLite file each or in two databases of one PostgreSQL server.
/// Disposing it deletes both.
/// </summary>
internal sealed class Store : IAsyncDisposable
{
    private readonly int _rows;
    private readonly Func<string, Task> _execute;
    private readonly Func<Task> _delete;

    private Store(
        string provider, string serviceConnectionString, Dictionary<string, string> serviceSettings,
        Dictionary<string, string> baselineSettings, int rows, Func<string, Task> execute, Func<Task> delete)
    {
        Provider = provider;
        ServiceConnectionString = serviceConnectionString;
        ServiceSettings = serviceSettings;
        BaselineSettings = baselineSettings;
        _rows = rows;
        _execute = execute;
        _delete = delete;
    }

    public string Provider { get; }
    public string ServiceConnectionString { get; }
    public Dictionary<string, string> ServiceSettings { get; }
    public Dictionary<string, string> BaselineSettings { get; }

    /// <summary>A pair of SQLite files; <paramref name="groupCommit"/> false turns the service's group commit off (one fsync per commit with FULL).</summary>
    public static Store Sqlite(string synchronous, int rows, bool groupCommit = true)
    {
        var serviceFile = Path.Combine(Path.GetTempPath(), $"focussync-bench-throughput-{Guid.NewGuid():N}.db");
        var baselineFile = Path.Combine(Path.GetTempPath(), $"focussync-bench-throughput-raw-{Guid.NewGuid():N}.db");
        return new Store(
            "Sqlite",
            $"Data Source={serviceFile}",
            new() { ["Database__SqliteSynchronous"] = synchronous, ["Database__SqliteGroupCommit"] = groupCommit ? "true" : "false" },
            new() { ["Baseline__Database"] = baselineFile, ["Baseline__Synchronous"] = synchronous },
            rows,
            async sql =>
            {
                await using var connection = new SqliteConnection($"Data Source={baselineFile}");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA journal_mode=WAL;" + sql;
                await command.ExecuteNonQueryAsync();
            },
            () =>
            {
                SqliteConnection.ClearAllPools();
                foreach (var file in new[] { serviceFile, baselineFile })
                {
                    foreach (var path in new[] { file, file + "-wal", file + "-shm" })
                    {
                        File.Delete(path);
                    }
                }

                return Task.CompletedTask;
            });
    }

    public static async Task<Store> PostgresAsync(string admin, int rows, CancellationToken cancellationToken)
    {
        var names = new[] { $"focussync_bench_{Guid.NewGuid():N}", $"focussync_bench_raw_{Guid.NewGuid():N}" };
        foreach (var name in names)
        {
            await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"", cancellationToken);
        }

        var service = new NpgsqlConnectionStringBuilder(admin) { Database = names[0] }.ConnectionString;
        var baseline = new NpgsqlConnectionStringBuilder(admin) { Database = names[1] }.ConnectionString;
        return new Store(
            "Postgres",
            service,
            [],
            new() { ["Baseline__Postgres"] = baseline },
            rows,
            sql => ExecuteAsync(baseline, sql, cancellationToken),
            async () =>
            {
                NpgsqlConnection.ClearAllPools();
                foreach (var name in names)
                {
                    await ExecuteAsync(admin, $"""
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()
                        """, CancellationToken.None);
                    await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\"", CancellationToken.None);
                }
            });
    }

    /// <summary>The baseline's table, the same on both databases: what one action updates, and not much more.</summary>
    public Task CreateBaselineTableAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return _execute($"""
            CREATE TABLE "Sessions" ("Id" INTEGER PRIMARY KEY, "UserId" TEXT NOT NULL, "Title" TEXT NOT NULL,
                "TimeLeftMs" BIGINT NOT NULL, "RunStartedAtMs" BIGINT NULL, "Version" BIGINT NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {_rows})
            INSERT INTO "Sessions" SELECT i, 'user-' || i, 'Bench', 86400000, NULL, 1 FROM n;
            """);
    }

    public async ValueTask DisposeAsync() => await _delete();

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
