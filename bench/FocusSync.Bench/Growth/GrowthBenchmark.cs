using System.Diagnostics;
using System.Text;
using FocusSync.Bench.Infrastructure;

namespace FocusSync.Bench.Growth;

/// <summary>
/// How the cost grows: action latency and throughput as the database grows to a million users and ten million
/// rows of history; how late the timekeeper performs a day boundary when tens of thousands of users reach it in
/// the same minute, on one and two instances; memory and CPU as idle connections grow. Writes docs/growth.svg.
/// </summary>
public sealed class GrowthBenchmark : IBenchmark
{
    private const int Clients = 64;
    private const int TabsPerUser = 4;

    public string Name => "growth";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var stores = new List<string?> { null };
        if (context.Postgres is not null)
        {
            stores.Add(context.Postgres);
        }

        var text = new StringBuilder();
        text.AppendLine("## 8. How cost grows");
        text.AppendLine();
        var (sizeTable, sizePanel) = await DatabaseSizeAsync(context, stores, cancellationToken);
        var (lagTable, lagPanel) = await DueWorkLagAsync(context, stores, cancellationToken);
        var (idleTable, idlePanel) = await IdleConnectionsAsync(context, cancellationToken);
        text.Append(sizeTable).AppendLine().Append(lagTable).AppendLine().Append(idleTable);
        if (!context.Smoke)
        {
            await File.WriteAllTextAsync(Path.Combine(context.RepoRoot, "docs", "growth.svg"), SvgChart.Render([sizePanel, lagPanel, idlePanel]), cancellationToken);
            text.AppendLine().AppendLine("![How cost grows: action latency by users in the database, day-boundary lag by users due at once, memory by idle connections](growth.svg)");
        }

        return text.ToString();
    }

    private static async Task<(string Table, ChartPanel Panel)> DatabaseSizeAsync(
        BenchContext context, List<string?> stores, CancellationToken cancellationToken)
    {
        int[] sizes = context.Smoke ? [100, 1_000] : [1_000, 100_000, 1_000_000];
        var historyRows = context.Smoke ? 10_000L : 10_000_000L;
        var duration = TimeSpan.FromSeconds(context.Smoke ? 0.5 : 10);
        var table = new StringBuilder();
        table.AppendLine("### Actions as the database grows");
        table.AppendLine();
        table.AppendLine($"A fresh database per row holding the given number of users, each with 5 sessions, and {historyRows:N0} rows of daily "
            + "history spread evenly over their sessions and the days before today (a template user made through the API, its rows copied by SQL). "
            + $"Up to {Clients} concurrent clients (one per distinct user among {Clients} picked at random), each signed in as its user, toggle a session (start/pause) as fast as they are answered "
            + $"for {duration.TotalSeconds:0.#} s after a warm-up; no hub connections. Release build, rate limits lifted; SQLite `synchronous=FULL` (the default).");
        table.AppendLine();
        table.AppendLine("| database | users | history rows | seeded in | actions/s | p50 ms | p99 ms |");
        table.AppendLine("|---|---|---|---|---|---|---|");
        var series = new List<(string, IReadOnlyList<double?>)>();
        foreach (var admin in stores)
        {
            var p99s = new List<double?>();
            foreach (var users in sizes)
            {
                await using var database = await GrowthDatabase.CreateAsync(admin, cancellationToken);
                var seeding = Stopwatch.StartNew();
                await database.SeedAsync(context, users, historyRows, oneRunning: false, cancellationToken);
                var seeded = seeding.Elapsed;
                await using var service = await ServiceProcess.StartAsync(
                    context.RepoRoot, database.Provider, database.ConnectionString, ServiceUser.UnthrottledSettings(), cancellationToken);
                var picked = await PickUsersAsync(service, database, users, cancellationToken);
                using var http = ServiceUser.CreateClient(service.Address);
                await ClosedLoopAsync(picked, http, TimeSpan.FromSeconds(context.Smoke ? 0.2 : 3), cancellationToken);
                var (rate, latencies) = await ClosedLoopAsync(picked, http, duration, cancellationToken);
                p99s.Add(Stats.Percentile(latencies, 0.99));
                table.AppendLine($"| {Label(database)} | {users:N0} | {historyRows:N0} | {seeded.TotalSeconds:F0} s | {Stats.N(rate)} | "
                    + $"{Stats.F(Stats.Percentile(latencies, 0.5))} | {Stats.F(Stats.Percentile(latencies, 0.99))} |");
            }

            series.Add(($"{(admin is null ? "SQLite" : "PostgreSQL")} action p99", p99s));
        }

        return (table.ToString(), new ChartPanel("Action latency by users", "p99 ms", [.. sizes.Select(Short)], series));
    }

    /// <summary>Signs in as <see cref="Clients"/> users picked at random among the seeded ones, each with their first session.</summary>
    private static async Task<List<ServiceUser>> PickUsersAsync(
        ServiceProcess service, GrowthDatabase database, int users, CancellationToken cancellationToken)
    {
        var random = new Random(17);
        var picked = new List<ServiceUser>();
        foreach (var uid in Enumerable.Range(0, Clients).Select(_ => $"g{random.Next(users)}").Distinct())
        {
            var session = await database.ScalarAsync($"SELECT MIN(\"Id\") FROM \"Sessions\" WHERE \"UserId\" = '{uid}'", cancellationToken);
            picked.Add(new ServiceUser(uid, await service.TokenAsync(uid, cancellationToken), session));
        }

        return picked;
    }

    private static async Task<(double Rate, List<double> LatenciesMs)> ClosedLoopAsync(
        List<ServiceUser> users, HttpClient http, TimeSpan duration, CancellationToken cancellationToken)
    {
        var latencies = new List<double>[users.Count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(users.Select(async (user, i) =>
        {
            latencies[i] = [];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await user.ToggleAsync(http, cancellationToken);
                latencies[i].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        var all = latencies.SelectMany(l => l).ToList();
        return (all.Count / clock.Elapsed.TotalSeconds, all);
    }

    private static async Task<(string Table, ChartPanel Panel)> DueWorkLagAsync(
        BenchContext context, List<string?> stores, CancellationToken cancellationToken)
    {
        int[] sizes = context.Smoke ? [50] : [10_000, 100_000];
        var table = new StringBuilder();
        table.AppendLine("### The timekeeper when many users fall due at once");
        table.AppendLine();
        table.AppendLine("Every user's day ends at the same instant (their reset time in UTC, as a popular reset time such as midnight in one zone "
            + "does), each with 5 sessions, one of them running, so each boundary credits a run, records five goals and resets five timers. The "
            + "instances start before that instant and nothing else happens. Lag: from the instant to when the timekeeper took the user up to "
            + "perform the boundary (the `serverTimeMs` of the stored `autoReset` event: the instant the user was loaded; the commit follows it, "
            + "after the wait for the write lock), over every user; done: when the last one was taken up. Default "
            + "settings (`DueWork:BatchSize` 200, `DueWork:Parallelism` 4 per instance). Two instances share one PostgreSQL database; SQLite "
            + "is one process per file, so it has one instance only.");
        table.AppendLine();
        table.AppendLine("| database | instances | users due | p50 lag s | p99 lag s | all done after s | boundaries/s |");
        table.AppendLine("|---|---|---|---|---|---|---|");
        var series = new List<(string, IReadOnlyList<double?>)>();
        foreach (var admin in stores)
        {
            foreach (var instances in admin is null ? new[] { 1 } : [1, 2])
            {
                var done = new List<double?>();
                foreach (var users in sizes)
                {
                    await using var database = await GrowthDatabase.CreateAsync(admin, cancellationToken);
                    await database.SeedAsync(context, users, historyRows: 0, oneRunning: true, cancellationToken);
                    var lead = TimeSpan.FromSeconds(context.Smoke ? 4 : 20);
                    var now = DateTimeOffset.UtcNow.Add(lead).ToUnixTimeMilliseconds();
                    var dueMs = context.Smoke ? now : (now + 59_999) / 60_000 * 60_000;
                    await database.MakeAllDueAtAsync(dueMs, cancellationToken);
                    var services = new List<ServiceProcess>();
                    try
                    {
                        for (var i = 0; i < instances; i++)
                        {
                            services.Add(await ServiceProcess.StartAsync(context.RepoRoot, database.Provider, database.ConnectionString, ServiceUser.UnthrottledSettings(), cancellationToken));
                        }

                        var deadline = Stopwatch.StartNew();
                        while (await database.ScalarAsync($"SELECT COUNT(*) FROM \"Users\" WHERE \"NextDueMs\" <= {dueMs}", cancellationToken) > 0)
                        {
                            if (deadline.Elapsed > TimeSpan.FromMinutes(20))
                            {
                                throw new TimeoutException($"{users} users were not all reset within 20 minutes.");
                            }

                            await Task.Delay(500, cancellationToken);
                        }
                    }
                    finally
                    {
                        foreach (var service in services)
                        {
                            await service.DisposeAsync();
                        }
                    }

                    var performed = await database.ColumnAsync(
                        $"SELECT \"CreatedAtMs\" FROM \"StoredChanges\" WHERE \"CreatedAtMs\" >= {dueMs} AND \"Json\" LIKE '%\"type\":\"autoReset\"%'", cancellationToken);
                    if (performed.Count != users)
                    {
                        throw new InvalidOperationException($"{performed.Count} autoReset events for {users} users due.");
                    }

                    var lags = performed.Select(ms => (ms - dueMs) / 1000.0).ToList();
                    var all = lags.Max();
                    done.Add(all);
                    table.AppendLine($"| {Label(database)} | {instances} | {users:N0} | {Stats.F(Stats.Percentile(lags, 0.5))} | "
                        + $"{Stats.F(Stats.Percentile(lags, 0.99))} | {Stats.F(all)} | {Stats.N(users / Math.Max(all, 0.001))} |");
                }

                series.Add(($"{(admin is null ? "SQLite" : "PostgreSQL")}, {instances} instance{(instances > 1 ? "s" : "")}", done));
            }
        }

        return (table.ToString(), new ChartPanel("Day boundaries due at once", "all done after (s)", [.. sizes.Select(Short)], series));
    }

    private static async Task<(string Table, ChartPanel Panel)> IdleConnectionsAsync(BenchContext context, CancellationToken cancellationToken)
    {
        int[] steps = context.Smoke ? [20, 100] : [1_000, 5_000, 15_000];
        var idle = TimeSpan.FromSeconds(context.Smoke ? 0.5 : 15);
        var limit = Stats.OpenFileLimit();
        if (steps[^1] + 1_000 > limit)
        {
            throw new InvalidOperationException($"{steps[^1]:N0} connections need a higher open-file limit than {limit}: run with `ulimit -n 65536`.");
        }

        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-idle-{Guid.NewGuid():N}.db");
        var clients = new List<SocketClient>();
        var table = new StringBuilder();
        table.AppendLine("### Idle connections");
        table.AppendLine();
        table.AppendLine($"One service process (SQLite) holding hub connections over WebSockets, {TabsPerUser} per user, opened in steps; at each step "
            + $"the working set (median of 5 readings after the connections settle) and the CPU the process used over {idle.TotalSeconds:0} s with "
            + "nothing happening but keep-alive pings (the service sends one per connection every 15 s, the bench's clients every 10 s). Server GC, the default.");
        table.AppendLine();
        table.AppendLine("| connections | working set MB | KB per connection over none | idle CPU ms per s |");
        table.AppendLine("|---|---|---|---|");
        var perConnection = new List<double?>();
        try
        {
            await using var service = await ServiceProcess.StartAsync(context.RepoRoot, "Sqlite", $"Data Source={file}", ServiceUser.UnthrottledSettings(), cancellationToken);
            var users = await ServiceUser.CreateManyAsync(service, "idle", steps[^1] / TabsPerUser, withSession: false, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(context.Smoke ? 0.3 : 4), cancellationToken);
            var empty = await service.SettledWorkingSetAsync(cancellationToken);
            table.AppendLine($"| 0 | {Stats.F(empty / 1048576.0, 1)} | | {Stats.F(await IdleCpuAsync(service, idle, cancellationToken), 1)} |");
            foreach (var step in steps)
            {
                var from = clients.Count;
                clients.AddRange(await SocketClient.ConnectManyAsync(step - from, 32, i =>
                    SocketClient.ConnectHubAsync(service.Address, users[(from + i) / TabsPerUser].Token, _ => { }, cancellationToken)));
                await Task.Delay(TimeSpan.FromSeconds(context.Smoke ? 0.3 : 4), cancellationToken);
                var loaded = await service.SettledWorkingSetAsync(cancellationToken);
                var cpu = await IdleCpuAsync(service, idle, cancellationToken);
                var failed = clients.Count(c => c.Failure is not null);
                if (failed > 0)
                {
                    throw new InvalidOperationException($"{failed} connections closed while idle: {clients.First(c => c.Failure is not null).Failure}");
                }

                var kb = (loaded - empty) / 1024.0 / step;
                perConnection.Add(kb);
                table.AppendLine($"| {step:N0} | {Stats.F(loaded / 1048576.0, 1)} | {Stats.F(kb, 1)} | {Stats.F(cpu, 1)} |");
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }

        return (table.ToString(), new ChartPanel("Memory by idle connections", "KB per connection", [.. steps.Select(Short)], [("service", perConnection)]));
    }

    private static async Task<double> IdleCpuAsync(ServiceProcess service, TimeSpan window, CancellationToken cancellationToken)
    {
        var before = service.CpuTime;
        await Task.Delay(window, cancellationToken);
        return (service.CpuTime - before).TotalMilliseconds / window.TotalSeconds;
    }

    private static string Label(GrowthDatabase database) => database.IsPostgres ? "PostgreSQL" : "SQLite";

    private static string Short(int count) => count >= 1_000_000 ? $"{count / 1_000_000}M" : count >= 1_000 ? $"{count / 1_000}k" : $"{count}";
}
