using System.Globalization;
using FocusSync.Bench.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FocusSync.Bench.Growth;

/// <summary>
/// A service database grown to a given size without going through the service for every row: the service creates
/// one template user ("g0") through its API, then SQL copies that user's rows to g1 … g(N-1) and writes the daily
/// history, so every row has exactly the shape the service itself writes. Disposing it deletes the database.
/// </summary>
internal sealed class GrowthDatabase : IAsyncDisposable
{
    private const string Template = "g0";
    private readonly string? _admin;
    private readonly string? _file;

    private GrowthDatabase(string provider, string connectionString, string? admin, string? file)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _admin = admin;
        _file = file;
    }

    public string Provider { get; }

    public string ConnectionString { get; }

    public bool IsPostgres => Provider == "Postgres";

    public static async Task<GrowthDatabase> CreateAsync(string? postgresAdmin, CancellationToken cancellationToken)
    {
        if (postgresAdmin is null)
        {
            var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-growth-{Guid.NewGuid():N}.db");
            return new GrowthDatabase("Sqlite", $"Data Source={file}", null, file);
        }

        var name = $"focussync_bench_growth_{Guid.NewGuid():N}";
        await ExecuteOnAsync(postgresAdmin, $"CREATE DATABASE \"{name}\"", cancellationToken);
        return new GrowthDatabase("Postgres", new NpgsqlConnectionStringBuilder(postgresAdmin) { Database = name }.ConnectionString, postgresAdmin, null);
    }

    /// <summary>
    /// Creates the template user through the service (five countdowns of a day each, the first one running when
    /// <paramref name="oneRunning"/>), then copies it to <paramref name="users"/> users in all and writes
    /// <paramref name="historyRows"/> rows of daily history spread evenly over their sessions and the days before today.
    /// </summary>
    public async Task SeedAsync(
        BenchContext context, int users, long historyRows, bool oneRunning, CancellationToken cancellationToken)
    {
        await using (var service = await ServiceProcess.StartAsync(context.RepoRoot, Provider, ConnectionString, ServiceUser.UnthrottledSettings(), cancellationToken))
        {
            var template = await ServiceUser.CreateAsync(service, Template, withSession: true, cancellationToken);
            for (var i = 1; i < 5; i++)
            {
                await ServiceUser.CreateAsync(service, Template, withSession: true, cancellationToken);
            }

            if (oneRunning)
            {
                await template.ToggleAsync(service.Http, cancellationToken);
            }
        }

        await using var connection = await OpenAsync(cancellationToken);
        if (!IsPostgres)
        {
            await ExecuteAsync(connection, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;", cancellationToken);
        }

        var firstSession = await ScalarAsync(connection, $"SELECT MIN(\"Id\") FROM \"Sessions\" WHERE \"UserId\" = '{Template}'", cancellationToken);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var days = (int)Math.Max(1, historyRows / (5L * users));
        var copies = Series(users - 1, "n");
        var history = Series(days, "d");

        // Indexes are dropped while the rows go in and built once after, as a bulk load does.
        var indexes = await IndexesAsync(connection, "TaskDailyTimes", cancellationToken);
        foreach (var (name, _) in indexes)
        {
            await ExecuteAsync(connection, $"DROP INDEX \"{name}\"", cancellationToken);
        }

        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            if (users > 1)
            {
                await ExecuteAsync(connection, Copy("Users", await ColumnsAsync(connection, "Users", cancellationToken), copies, column => column switch
                {
                    "Id" => "'g' || n.i",
                    _ => null,
                }, $"t.\"Id\" = '{Template}'"), cancellationToken);
                await ExecuteAsync(connection, Copy("Sessions", await ColumnsAsync(connection, "Sessions", cancellationToken), copies, column => column switch
                {
                    "Id" => $"t.\"Id\" + 5 * n.i",
                    "UserId" => "'g' || n.i",
                    _ => null,
                }, $"t.\"UserId\" = '{Template}' AND t.\"Id\" < {firstSession + 5}"), cancellationToken);
            }

            if (historyRows > 0)
            {
                var date = IsPostgres ? $"DATE '{today:yyyy-MM-dd}' - d.i" : $"date('{today:yyyy-MM-dd}', '-' || d.i || ' days')";
                await ExecuteAsync(connection, $"""
                    {With(history)}
                    INSERT INTO "TaskDailyTimes" ("UserId", "SessionId", "Date", "MsSpent", "GoalMinutes")
                    SELECT s."UserId", s."Id", {date}, 1500000, 60 FROM "Sessions" s, {From(history, "d")}
                    """, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var (_, definition) in indexes)
        {
            await ExecuteAsync(connection, definition, cancellationToken);
        }

        if (IsPostgres)
        {
            await ExecuteAsync(connection, """SELECT setval(pg_get_serial_sequence('"Sessions"', 'Id'), (SELECT MAX("Id") FROM "Sessions"))""", cancellationToken);
            await ExecuteAsync(connection, "VACUUM ANALYZE", cancellationToken);
        }
        else
        {
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    /// <summary>Makes every user's day end at <paramref name="dueMs"/> (their reset time, in UTC), so all fall due at once.</summary>
    public async Task MakeAllDueAtAsync(long dueMs, CancellationToken cancellationToken)
    {
        var due = DateTimeOffset.FromUnixTimeMilliseconds(dueMs).UtcDateTime;
        var day = DateOnly.FromDateTime(due.AddDays(-1));
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $"""
            UPDATE "Users" SET "TimeZone" = 'UTC', "ResetTime" = '{due:HH:mm}', "Day" = '{day:yyyy-MM-dd}',
                "DayStartMs" = {dueMs - 86_400_000}, "DayEndMs" = {dueMs}, "NextDueMs" = {dueMs}
            """, cancellationToken);
    }

    public async Task<long> ScalarAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await ScalarAsync(connection, sql, cancellationToken);
    }

    public async Task<List<long>> ColumnAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.GetInt64(0));
        }

        return values;
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { _file, _file + "-wal", _file + "-shm", _file + "-journal" })
            {
                File.Delete(path);
            }

            return;
        }

        NpgsqlConnection.ClearAllPools();
        var name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        await ExecuteOnAsync(_admin!, $"""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()
            """, CancellationToken.None);
        await ExecuteOnAsync(_admin!, $"DROP DATABASE IF EXISTS \"{name}\"", CancellationToken.None);
    }

    /// <summary>Numbers 1 … <paramref name="count"/> as a row source <paramref name="alias"/>(i).</summary>
    private string Series(long count, string alias) => IsPostgres
        ? $"generate_series(1, {count}) AS {alias}(i)"
        : $"{alias}(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM {alias} WHERE i < {count})";

    private string With(string series) => IsPostgres ? "" : "WITH RECURSIVE " + series;

    private string From(string series, string alias) => IsPostgres ? series : alias;

    private string Copy(string table, List<string> columns, string series, Func<string, string?> replace, string where) => $"""
        {With(series)}
        INSERT INTO "{table}" ({string.Join(", ", columns.Select(c => $"\"{c}\""))})
        SELECT {string.Join(", ", columns.Select(c => replace(c) ?? $"t.\"{c}\""))} FROM "{table}" t, {From(series, "n")} WHERE {where}
        """;

    private async Task<List<string>> ColumnsAsync(System.Data.Common.DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = IsPostgres
            ? $"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}' ORDER BY ordinal_position"
            : $"SELECT name FROM pragma_table_info('{table}')";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    private async Task<List<(string Name, string Definition)>> IndexesAsync(
        System.Data.Common.DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = IsPostgres
            ? $"SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '{table}' AND indexname NOT LIKE 'PK_%'"
            : $"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}' AND sql IS NOT NULL";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var indexes = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            indexes.Add((reader.GetString(0), reader.GetString(1)));
        }

        return indexes;
    }

    private async Task<System.Data.Common.DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        System.Data.Common.DbConnection connection = IsPostgres ? new NpgsqlConnection(ConnectionString) : new SqliteConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 3600;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> ScalarAsync(System.Data.Common.DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteOnAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, sql, cancellationToken);
    }
}
