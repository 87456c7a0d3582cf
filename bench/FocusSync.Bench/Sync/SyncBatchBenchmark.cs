using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FocusSync.Bench.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FocusSync.Bench.Sync;

/// <summary>
/// One <c>POST /sync</c> of 100 queued operations (starts and pauses of ten sessions, each with its idempotency key and
/// the instant it was taken), from sending to the answer, against the same 100 operations sent one request each.
/// </summary>
public sealed class SyncBatchBenchmark : IBenchmark
{
    private const int Operations = 100;
    private const int SessionsPerUser = 10;

    public string Name => "sync";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var runs = context.Smoke ? 2 : 20;
        var databases = new List<(string Label, string Provider, Func<Task<(string ConnectionString, Func<Task> Delete)>> Create)>
        {
            ("SQLite (synchronous=FULL, the default)", "Sqlite", () => Task.FromResult(SqliteFile())),
        };
        if (context.Postgres is { } admin && !context.Smoke)
        {
            databases.Add(("PostgreSQL", "Postgres", () => PostgresDatabaseAsync(admin, cancellationToken)));
        }

        var rows = new List<string>();
        foreach (var (label, provider, create) in databases)
        {
            var (connectionString, delete) = await create();
            try
            {
                await using var service = await ServiceProcess.StartAsync(
                    context.RepoRoot, provider, connectionString, ServiceUser.UnthrottledSettings(), cancellationToken);
                var (batch, singles) = await MeasureAsync(service, runs, cancellationToken);
                rows.Add($"| {label} | {Stats.F(Stats.Median(batch), 1)} | {Stats.F(Stats.Percentile(batch, 0.95), 1)} | "
                    + $"{Stats.F(Stats.Median(batch) / Operations)} | {Stats.F(Stats.Median(singles), 1)} | {runs} |");
            }
            finally
            {
                await delete();
            }
        }

        var text = new StringBuilder();
        text.AppendLine("## Sync batches");
        text.AppendLine();
        text.AppendLine($"One `POST /sync` of {Operations} operations — starts and pauses of {SessionsPerUser} sessions of one user in turn, "
            + "each with its own idempotency key and the instant it was taken, so each is a change, an idempotency record and an event — "
            + "from sending to the whole answer, over loopback to the Release build (rate limits lifted). Beside it, the same "
            + $"{Operations} operations sent one request each, one after another. A fresh user per run; {runs} timed runs after one "
            + "warm-up; milliseconds."
            + (context.Postgres is null || context.Smoke ? " PostgreSQL was not measured in this run (`FOCUSSYNC_BENCH_POSTGRES` unset, or a smoke run)." : ""));
        text.AppendLine();
        text.AppendLine($"| database | batch median | batch p95 | per operation (median) | {Operations} single requests (median) | runs |");
        text.AppendLine("|---|---|---|---|---|---|");
        rows.ForEach(r => text.AppendLine(r));
        return text.ToString();
    }

    private static async Task<(List<double> Batch, List<double> Singles)> MeasureAsync(
        ServiceProcess service, int runs, CancellationToken cancellationToken)
    {
        var batch = new List<double>();
        var singles = new List<double>();
        for (var run = -1; run < runs; run++)
        {
            var (token, sessions) = await UserAsync(service, $"sync-batch-{run + 1}", cancellationToken);
            var operations = Queue(sessions, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var clock = Stopwatch.StartNew();
            using (var request = Authorized(HttpMethod.Post, "/sync", token, new { operations }))
            using (var response = await service.Http.SendAsync(request, cancellationToken))
            {
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                response.EnsureSuccessStatusCode();
            }

            var batchMs = clock.Elapsed.TotalMilliseconds;
            var (singleToken, singleSessions) = await UserAsync(service, $"sync-singles-{run + 1}", cancellationToken);
            clock.Restart();
            foreach (var operation in Queue(singleSessions, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
            {
                using var request = Authorized(HttpMethod.Post, $"/sessions/{operation["sessionId"]}/actions/{operation["kind"]}", singleToken,
                    new { at = operation["at"] });
                request.Headers.Add("Idempotency-Key", (string)operation["idempotencyKey"]);
                using var response = await service.Http.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
            }

            if (run >= 0)
            {
                batch.Add(batchMs);
                singles.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return (batch, singles);
    }

    /// <summary>Starts and pauses of the sessions in turn, all taken at <paramref name="atMs"/>.</summary>
    private static List<Dictionary<string, object>> Queue(long[] sessions, long atMs) =>
        [.. Enumerable.Range(0, Operations).Select(i => new Dictionary<string, object>
        {
            ["idempotencyKey"] = Guid.NewGuid().ToString("N"),
            ["kind"] = i / sessions.Length % 2 == 0 ? "start" : "pause",
            ["sessionId"] = sessions[i % sessions.Length],
            ["at"] = atMs,
        })];

    private static async Task<(string Token, long[] Sessions)> UserAsync(ServiceProcess service, string uid, CancellationToken cancellationToken)
    {
        var token = await service.TokenAsync(uid, cancellationToken);
        var sessions = new long[SessionsPerUser];
        for (var i = 0; i < sessions.Length; i++)
        {
            using var request = Authorized(HttpMethod.Post, "/sessions", token, new { title = $"Bench {i}", noGoal = true });
            using var response = await service.Http.SendAsync(request, cancellationToken);
            response.EnsureSuccessStatusCode();
            sessions[i] = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetInt64();
        }

        // Without singleRunning every start and pause of the queue is a change of its own session.
        using var settings = Authorized(HttpMethod.Patch, "/me", token, new { singleRunning = false });
        using var changed = await service.Http.SendAsync(settings, cancellationToken);
        changed.EnsureSuccessStatusCode();
        return (token, sessions);
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string token, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static (string, Func<Task>) SqliteFile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-sync-{Guid.NewGuid():N}.db");
        return ($"Data Source={file}", () =>
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }

            return Task.CompletedTask;
        });
    }

    private static async Task<(string, Func<Task>)> PostgresDatabaseAsync(string admin, CancellationToken cancellationToken)
    {
        var name = $"focussync_bench_sync_{Guid.NewGuid():N}";
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"", cancellationToken);
        return (new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = '{name}' AND usename = current_user AND pid <> pg_backend_pid()
                """, CancellationToken.None);
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\"", CancellationToken.None);
        });
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
