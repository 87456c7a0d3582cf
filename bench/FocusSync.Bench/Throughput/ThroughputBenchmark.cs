using System.Diagnostics;
using System.Text;
using FocusSync.Bench.Infrastructure;
using Microsoft.Data.Sqlite;

namespace FocusSync.Bench.Throughput;

/// <summary>
/// Start/pause actions per second at 64 concurrent HTTP clients, each action broadcast to its user's 4 hub
/// connections, against a bare minimal-API endpoint doing the same single-row UPDATE through raw
/// Microsoft.Data.Sqlite; with SQLite synchronous=FULL (the service's default, group commit on and, for comparison, off) and with NORMAL.
/// </summary>
public sealed class ThroughputBenchmark : IBenchmark
{
    private const int TabsPerUser = 4;

    public string Name => "throughput";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var clients = context.Smoke ? 4 : 64;
        var runs = context.Smoke ? 1 : 3;
        var duration = TimeSpan.FromSeconds(context.Smoke ? 0.5 : 5);
        // FULL's goal assumes group commit: several users' actions sharing one fsync, where the baseline pays one each.
        // The same setting without group commit is measured for comparison, and judged against no goal.
        var stores = new List<(string Label, double? Goal, Func<Task<Store>> Prepare)>
        {
            ("SQLite, synchronous=FULL (group commit)", 1.5, () => Task.FromResult(Store.Sqlite("FULL", clients))),
            ("SQLite, synchronous=FULL, one fsync per commit (`Database__SqliteGroupCommit=false`, for comparison)", null,
                () => Task.FromResult(Store.Sqlite("FULL", clients, groupCommit: false))),
            ("SQLite, synchronous=NORMAL", 0.5, () => Task.FromResult(Store.Sqlite("NORMAL", clients))),
        };
        if (context.Postgres is { } admin)
        {
            stores.Add(("PostgreSQL", 0.5, () => Store.PostgresAsync(admin, clients, cancellationToken)));
        }

        var rows = new List<string>();
        var allMet = true;
        foreach (var (label, goal, prepare) in stores)
        {
            await using var store = await prepare();
            var (service, baseline, delivered) = await MeasureAsync(context, store, clients, runs, duration, cancellationToken);
            var ratio = Stats.Median(service) / Stats.Median(baseline);
            allMet &= goal is null || ratio >= goal;
            rows.Add($"| {label} | {Stats.N(Stats.Median(service))} ({string.Join(", ", service.Select(Stats.N))}) | "
                + $"{Stats.N(Stats.Median(baseline))} ({string.Join(", ", baseline.Select(Stats.N))}) | {Stats.F(ratio)} | {delivered} | "
                + (goal is { } g ? $"≥ {Stats.F(g)}: {Stats.YesNo(ratio >= g)}" : "—") + " |");
        }

        var text = new StringBuilder();
        text.AppendLine("## 1. Action throughput");
        text.AppendLine();
        text.AppendLine($"{clients} concurrent HTTP clients (one user each, keep-alive) send start/pause actions as fast as they are answered, "
            + $"for {duration.TotalSeconds:0.#} s per run, {runs} runs per side, the two sides interleaved. Service: the Release build on a SQLite file "
            + $"(WAL), or on PostgreSQL when `FOCUSSYNC_BENCH_POSTGRES` names a server, rate limit lifted, each user holding {TabsPerUser} hub "
            + "connections that receive every action's event. Baseline: a bare minimal-API endpoint in the bench program (its `baseline-server` "
            + "child process) running one `UPDATE … RETURNING` through raw Microsoft.Data.Sqlite on a pooled connection with the same pragmas, "
            + "or through raw Npgsql on its own database of the same server. "
            + "Actions per second, median (each run); goal: the service at least 0.50 of its baseline, 1.5 with `FULL`."
            + (context.Postgres is null ? " PostgreSQL was not measured in this run (`FOCUSSYNC_BENCH_POSTGRES` unset)." : ""));
        text.AppendLine();
        text.AppendLine("| database | service actions/s | baseline actions/s | ratio | events delivered | goal |");
        text.AppendLine("|---|---|---|---|---|---|");
        rows.ForEach(r => text.AppendLine(r));
        text.AppendLine();
        text.AppendLine(allMet ? "Goal met." : "Goal missed for at least one setting; see *Missed goals*.");
        return text.ToString();
    }

    private static async Task<(List<double> Service, List<double> Baseline, string Delivered)> MeasureAsync(
        BenchContext context, Store store, int clients, int runs, TimeSpan duration, CancellationToken cancellationToken)
    {
        var tabs = new List<SocketClient>();
        try
        {
            var settings = ServiceUser.UnthrottledSettings();
            foreach (var (key, value) in store.ServiceSettings)
            {
                settings[key] = value;
            }

            await using var service = await ServiceProcess.StartAsync(
                context.RepoRoot, store.Provider, store.ServiceConnectionString, settings, cancellationToken);
            await store.CreateBaselineTableAsync(cancellationToken);
            await using var baseline = await ServiceProcess.StartBaselineAsync(store.BaselineSettings, cancellationToken);

            var users = await ServiceUser.CreateManyAsync(service, "throughput", clients, withSession: true, cancellationToken);
            long received = 0;
            tabs.AddRange(await SocketClient.ConnectManyAsync(clients * TabsPerUser, 32, i =>
                SocketClient.ConnectHubAsync(service.Address, users[i / TabsPerUser].Token, _ => Interlocked.Increment(ref received), cancellationToken)));

            using var serviceHttp = ServiceUser.CreateClient(service.Address);
            using var baselineHttp = ServiceUser.CreateClient(baseline.Address);
            long actions = 0;
            var running = new bool[clients];
            Func<int, Task> serviceAction = async i =>
            {
                await users[i].ToggleAsync(serviceHttp, cancellationToken);
                Interlocked.Increment(ref actions);
            };
            Func<int, Task> baselineAction = async i =>
            {
                running[i] = !running[i];
                using var response = await baselineHttp.PostAsync($"/sessions/{i + 1}/actions/{(running[i] ? "start" : "pause")}", null, cancellationToken);
                response.EnsureSuccessStatusCode();
            };

            // The service has far more code to bring to tier-1 JIT than the baseline, so it warms up longer.
            await ClosedLoopAsync(clients, TimeSpan.FromSeconds(context.Smoke ? 0.2 : 6), serviceAction);
            await ClosedLoopAsync(clients, TimeSpan.FromSeconds(context.Smoke ? 0.2 : 2), baselineAction);
            var serviceRates = new List<double>();
            var baselineRates = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                serviceRates.Add(await ClosedLoopAsync(clients, duration, serviceAction));
                baselineRates.Add(await ClosedLoopAsync(clients, duration, baselineAction));
            }

            // Every action's event must reach all four tabs, or the service side is not doing the same work.
            var expected = actions * TabsPerUser;
            var wait = Stopwatch.StartNew();
            while (Interlocked.Read(ref received) < expected && wait.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(20, cancellationToken);
            }

            var got = Interlocked.Read(ref received);
            if (got < expected)
            {
                throw new InvalidOperationException($"Only {got} of {expected} events reached the hub connections.");
            }

            return (serviceRates, baselineRates, $"{Stats.N(got)} of {Stats.N(expected)}");
        }
        finally
        {
            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }
        }
    }

    /// <summary>Runs <paramref name="workers"/> loops of <paramref name="act"/> for <paramref name="duration"/>; returns completions per second.</summary>
    public static async Task<double> ClosedLoopAsync(int workers, TimeSpan duration, Func<int, Task> act)
    {
        long done = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            while (clock.Elapsed < duration)
            {
                await act(worker);
                Interlocked.Increment(ref done);
            }
        }));
        return done / clock.Elapsed.TotalSeconds;
    }
}
