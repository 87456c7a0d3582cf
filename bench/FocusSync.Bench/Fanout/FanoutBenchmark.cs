using System.Diagnostics;
using System.Globalization;
using System.Text;
using FocusSync.Bench.Baselines;
using FocusSync.Bench.Infrastructure;

namespace FocusSync.Bench.Fanout;

/// <summary>
/// Delivered events per second and server CPU per delivered event when each action reaches many connections
/// (a few users with 1,000 connections each, the per-user cap raised), against a raw WebSocket loop that
/// sends one pre-serialised frame to the same connections.
/// </summary>
public sealed class FanoutBenchmark : IBenchmark
{
    public string Name => "fanout";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var users = context.Smoke ? 2 : 5;
        var perUser = context.Smoke ? 20 : 1_000;
        var runs = context.Smoke ? 1 : 3;
        var duration = TimeSpan.FromSeconds(context.Smoke ? 0.5 : 4);
        var service = await MeasureServiceAsync(context, users, perUser, runs, duration, cancellationToken);
        var baseline = await MeasureBaselineAsync(users, perUser, runs, duration, cancellationToken);
        var rate = Stats.Median(service.Select(r => r.EventsPerSecond));
        var cpu = Stats.Median(service.Select(r => r.CpuMicrosPerEvent));
        var baseRate = Stats.Median(baseline.Select(r => r.EventsPerSecond));
        var baseCpu = Stats.Median(baseline.Select(r => r.CpuMicrosPerEvent));
        var text = new StringBuilder();
        text.AppendLine("## 3. Fan-out");
        text.AppendLine();
        text.AppendLine($"{users} users × {perUser:N0} connections ({users * perUser:N0} in all; `Realtime:MaxConnectionsPerUser` raised to {perUser:N0}). "
            + "Each user runs a closed loop: one action, then wait until all its connections have the event. Service: start/pause "
            + "actions (one SQLite commit each, then one event to every connection of the user). Baseline: `POST /fanout/{user}` on the "
            + $"bench program's `baseline-server` child process, which sends one pre-serialised frame ({BaselineServer.EventFrame.Length} bytes, "
            + "a start event as the service frames it) to each connection of the user. Server CPU = the child process's "
            + $"`TotalProcessorTime` over the run. {runs} runs × {duration.TotalSeconds:0.#} s per side; medians (each run).");
        text.AppendLine();
        text.AppendLine("| side | delivered events/s | server CPU µs/event | server cores busy | bench client cores busy | runs (events/s; µs/event) |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine(Row("service", service));
        text.AppendLine(Row("baseline (raw WebSocket loop)", baseline));
        text.AppendLine();
        text.AppendLine("| goal | value | |");
        text.AppendLine("|---|---|---|");
        text.AppendLine($"| ≥ 100,000 delivered events/s | {Stats.N(rate)} ({Stats.F(rate / baseRate)}× baseline) | {Stats.YesNo(rate >= 100_000)} |");
        text.AppendLine($"| CPU/event ≤ 3× baseline | {Stats.F(cpu / baseCpu)}× | {Stats.YesNo(cpu / baseCpu <= 3)} |");
        return text.ToString();
    }

    private static string Row(string side, List<RunResult> runs) =>
        $"| {side} | {Stats.N(Stats.Median(runs.Select(r => r.EventsPerSecond)))} | {Stats.F(Stats.Median(runs.Select(r => r.CpuMicrosPerEvent)))} | "
        + $"{Stats.F(Stats.Median(runs.Select(r => r.ServerCores)))} | {Stats.F(Stats.Median(runs.Select(r => r.ClientCores)))} | "
        + string.Join("; ", runs.Select(r => $"{Stats.N(r.EventsPerSecond)}, {Stats.F(r.CpuMicrosPerEvent)}")) + " |";

    private static async Task<List<RunResult>> MeasureServiceAsync(
        BenchContext context, int users, int perUser, int runs, TimeSpan duration, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-fanout-{Guid.NewGuid():N}.db");
        var tabs = new List<SocketClient>();
        try
        {
            var settings = ServiceUser.UnthrottledSettings();
            settings["Realtime__MaxConnectionsPerUser"] = perUser.ToString(CultureInfo.InvariantCulture);
            await using var service = await ServiceProcess.StartAsync(context.RepoRoot, "Sqlite", $"Data Source={file}", settings, cancellationToken);
            using var http = ServiceUser.CreateClient(service.Address);
            var accounts = await ServiceUser.CreateManyAsync(service, "fanout", users, withSession: true, cancellationToken);
            var counters = accounts.Select(_ => new Counter()).ToList();
            tabs.AddRange(await SocketClient.ConnectManyAsync(users * perUser, 32, i =>
                SocketClient.ConnectHubAsync(service.Address, accounts[i / perUser].Token, _ => counters[i / perUser].Add(), cancellationToken)));
            Console.WriteLine($"fanout: {tabs.Count:N0} hub connections open");
            return await MeasureAsync(service, counters, perUser, runs, duration, u => accounts[u].ToggleAsync(http, cancellationToken));
        }
        finally
        {
            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }

            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    private static async Task<List<RunResult>> MeasureBaselineAsync(
        int users, int perUser, int runs, TimeSpan duration, CancellationToken cancellationToken)
    {
        var tabs = new List<SocketClient>();
        try
        {
            await using var baseline = await ServiceProcess.StartBaselineAsync(cancellationToken: cancellationToken);
            using var http = ServiceUser.CreateClient(baseline.Address);
            var counters = Enumerable.Range(0, users).Select(_ => new Counter()).ToList();
            tabs.AddRange(await SocketClient.ConnectManyAsync(users * perUser, 32, i =>
                SocketClient.ConnectRawAsync(new Uri($"ws://127.0.0.1:{baseline.Address.Port}/ws?user={i / perUser}"), _ => counters[i / perUser].Add(), cancellationToken)));
            return await MeasureAsync(baseline, counters, perUser, runs, duration, async u =>
            {
                using var response = await http.PostAsync($"/fanout/{u}", null, cancellationToken);
                response.EnsureSuccessStatusCode();
            });
        }
        finally
        {
            foreach (var tab in tabs)
            {
                await tab.DisposeAsync();
            }
        }
    }

    private static async Task<List<RunResult>> MeasureAsync(
        ServiceProcess server, List<Counter> counters, int perUser, int runs, TimeSpan duration, Func<int, Task> trigger)
    {
        await RunAsync(counters, perUser, duration / 4, trigger);
        var results = new List<RunResult>();
        for (var run = 0; run < runs; run++)
        {
            using var self = Process.GetCurrentProcess();
            var cpu = server.CpuTime;
            var clientCpu = self.TotalProcessorTime;
            var (delivered, elapsed) = await RunAsync(counters, perUser, duration, trigger);
            var used = server.CpuTime - cpu;
            self.Refresh();
            var clientUsed = self.TotalProcessorTime - clientCpu;
            results.Add(new RunResult(
                delivered / elapsed.TotalSeconds, used.TotalMicroseconds / delivered, used / elapsed, clientUsed / elapsed));
        }

        return results;
    }

    private static async Task<(long Delivered, TimeSpan Elapsed)> RunAsync(
        List<Counter> counters, int perUser, TimeSpan duration, Func<int, Task> trigger)
    {
        var before = counters.Sum(c => c.Count);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(counters.Select(async (counter, user) =>
        {
            while (clock.Elapsed < duration)
            {
                var arrived = counter.WaitFor(counter.Count + perUser);
                await trigger(user);
                await arrived.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }));
        return (counters.Sum(c => c.Count) - before, clock.Elapsed);
    }

    private sealed record RunResult(double EventsPerSecond, double CpuMicrosPerEvent, double ServerCores, double ClientCores);

    /// <summary>Events received by one user's connections, with a wait for a total to be reached.</summary>
    private sealed class Counter
    {
        private long _count;
        private long _target = long.MaxValue;
        private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Count => Interlocked.Read(ref _count);

        public Task WaitFor(long target)
        {
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _target, target);
            if (Count >= target)
            {
                _reached.TrySetResult();
            }

            return _reached.Task;
        }

        public void Add()
        {
            if (Interlocked.Increment(ref _count) >= Interlocked.Read(ref _target))
            {
                _reached.TrySetResult();
            }
        }
    }
}
