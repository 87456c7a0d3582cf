using System.Diagnostics;
using System.Text;
using FocusSync.Bench.Baselines;
using FocusSync.Bench.Infrastructure;

namespace FocusSync.Bench.Realtime;

/// <summary>
/// Time from sending a timer action to the moment every connection of that user has its event, with
/// 5,000 connections open (1,250 users × 4 tabs) and 200 actions/s of other users' actions in the
/// background; against a raw WebSocket server that relays a message to the same 4 connections.
/// </summary>
public sealed class NotifyLatencyBenchmark : IBenchmark
{
    private const int TabsPerUser = 4;
    private const int BackgroundPerSecond = 200;

    public string Name => "realtime";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var users = context.Smoke ? 10 : 1_250;
        var measuredUsers = context.Smoke ? 2 : 50;
        var runs = context.Smoke ? 1 : 3;
        var samples = context.Smoke ? 20 : 1_000;
        var limit = Stats.OpenFileLimit();
        var note = "";
        if (users * TabsPerUser + 1_000 > limit)
        {
            users = (int)Math.Max(measuredUsers + 1, (limit - 1_000) / TabsPerUser);
            note = $"\n\n**Connections reduced to {users * TabsPerUser:N0}**: the open-file limit is {limit}; run with `ulimit -n 65536`.";
        }

        var service = await MeasureServiceAsync(context, "FULL", users, measuredUsers, runs, samples, cancellationToken);

        // The second goal's size: three times the connections, the same background load.
        var manyUsers = Math.Min(users * 3, (int)Math.Max(measuredUsers + 1, (limit - 1_000) / TabsPerUser));
        var many = await MeasureServiceAsync(context, "FULL", manyUsers, measuredUsers, runs, samples, cancellationToken);
        // Evidence for the p99 goal: the same run without an fsync per commit.
        var normal = await MeasureServiceAsync(context, "NORMAL", users, measuredUsers, runs, samples, cancellationToken);
        var baseline = await MeasureBaselineAsync(users, measuredUsers, runs, samples, cancellationToken);
        var p50 = Stats.Median(service.Select(r => r.P50));
        var p99 = Stats.Median(service.Select(r => r.P99));
        var max = service.Max(r => r.Max);
        var baseP50 = Stats.Median(baseline.Select(r => r.P50));
        var baseP99 = Stats.Median(baseline.Select(r => r.P99));
        var ratio = p99 / baseP99;
        var text = new StringBuilder();
        text.AppendLine("## 2. Notify latency");
        text.AppendLine();
        text.AppendLine($"From sending `POST /sessions/{{id}}/actions/start` (or `pause`) to the moment all {TabsPerUser} connections of that "
            + $"user have its event, one measured action at a time, with {users * TabsPerUser:N0} WebSocket connections open ({users:N0} users × "
            + $"{TabsPerUser}) and {BackgroundPerSecond} actions/s of other users' actions in the background. Service: Release build, SQLite "
            + "(`synchronous=FULL` unless stated), Kestrel on loopback; the goals are judged on the default. Baseline: a raw `System.Net.WebSockets` server in the bench program's child process "
            + "that relays a message of the event's size from one tab to the same 4 connections; the same clients, counts and background load. "
            + $"{runs} runs × {samples:N0} measured actions per side; p50 and p99 are the median over runs, max the largest. Milliseconds.");
        text.AppendLine();
        text.AppendLine("| side | p50 | p99 | max | background actions/s achieved | runs (p50 / p99) |");
        text.AppendLine("|---|---|---|---|---|---|");
        text.AppendLine(Row("service (default `synchronous=FULL`)", service));
        text.AppendLine(Row($"service, {manyUsers * TabsPerUser:N0} connections", many));
        text.AppendLine(Row("service with `Database__SqliteSynchronous=NORMAL` (for comparison)", normal));
        text.AppendLine(Row("baseline (raw WebSocket relay)", baseline));
        text.AppendLine();
        text.AppendLine($"Service response time (action committed and acknowledged) p50 {Stats.F(Stats.Median(service.Select(r => r.ResponseP50)))} ms, "
            + $"p99 {Stats.F(Stats.Median(service.Select(r => r.ResponseP99)))} ms (NORMAL: {Stats.F(Stats.Median(normal.Select(r => r.ResponseP50)))} / "
            + $"{Stats.F(Stats.Median(normal.Select(r => r.ResponseP99)))} ms); the baseline writes nothing, its p50 is {Stats.F(baseP50)} ms.");
        text.AppendLine();
        text.AppendLine("| goal | value | |");
        text.AppendLine("|---|---|---|");
        var manyP99 = Stats.Median(many.Select(r => r.P99));
        text.AppendLine($"| p50 < 5 ms | {Stats.F(p50)} ms | {Stats.YesNo(p50 < 5)} |");
        text.AppendLine($"| p99 < 5 ms at {users * TabsPerUser:N0} connections | {Stats.F(p99)} ms | {Stats.YesNo(p99 < 5)} |");
        text.AppendLine($"| p99 < 25 ms at {manyUsers * TabsPerUser:N0} connections | {Stats.F(manyP99)} ms | {Stats.YesNo(manyP99 < 25)} |");
        text.AppendLine($"| p99 ≤ 2× baseline p99 | {Stats.F(ratio)}× ({Stats.F(baseP99)} ms) | {Stats.YesNo(ratio <= 2)} |");
        text.Append(note);
        return text.ToString();
    }

    private static string Row(string side, List<RunResult> runs) =>
        $"| {side} | {Stats.F(Stats.Median(runs.Select(r => r.P50)))} | {Stats.F(Stats.Median(runs.Select(r => r.P99)))} | "
        + $"{Stats.F(runs.Max(r => r.Max))} | {Stats.N(Stats.Median(runs.Select(r => r.BackgroundRate)))} | "
        + $"{string.Join(", ", runs.Select(r => $"{Stats.F(r.P50)} / {Stats.F(r.P99)}"))} |";

    private static async Task<List<RunResult>> MeasureServiceAsync(
        BenchContext context, string synchronous, int users, int measuredUsers, int runs, int samples, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-realtime-{Guid.NewGuid():N}.db");
        var rigs = new List<Rig>();
        try
        {
            var settings = ServiceUser.UnthrottledSettings();
            settings["Database__SqliteSynchronous"] = synchronous;
            await using var service = await ServiceProcess.StartAsync(context.RepoRoot, "Sqlite", $"Data Source={file}", settings, cancellationToken);
            using var http = ServiceUser.CreateClient(service.Address);
            var accounts = await ServiceUser.CreateManyAsync(service, "realtime", users, withSession: true, cancellationToken);
            foreach (var account in accounts)
            {
                var rig = new Rig(account.Uid, ct => account.ToggleAsync(http, ct));
                rigs.Add(rig);
            }

            var tabs = await SocketClient.ConnectManyAsync(users * TabsPerUser, 32, i =>
                SocketClient.ConnectHubAsync(service.Address, accounts[i / TabsPerUser].Token, rigs[i / TabsPerUser].Received, cancellationToken));
            for (var i = 0; i < tabs.Count; i++)
            {
                rigs[i / TabsPerUser].Tabs.Add(tabs[i]);
            }

            for (var i = 0; i < measuredUsers; i++)
            {
                rigs[i].Seq = await accounts[i].SeqAsync(http, cancellationToken);
            }

            Console.WriteLine($"realtime: {tabs.Count:N0} hub connections open");
            return await MeasureAsync(rigs, measuredUsers, runs, samples, cancellationToken);
        }
        finally
        {
            await DisposeAllAsync(rigs);
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    private static async Task<List<RunResult>> MeasureBaselineAsync(
        int users, int measuredUsers, int runs, int samples, CancellationToken cancellationToken)
    {
        var rigs = new List<Rig>();
        try
        {
            await using var baseline = await ServiceProcess.StartBaselineAsync(cancellationToken: cancellationToken);
            var padding = new string('x', BaselineServer.EventFrame.Length - 40);
            for (var u = 0; u < users; u++)
            {
                Rig? rig = null;
                rig = new Rig($"raw-{u}", ct => rig!.Tabs[0].SendAsync(Encoding.UTF8.GetBytes($"{{\"seq\":{rig.Seq},\"pad\":\"{padding}\"}}"), ct));
                rigs.Add(rig);
            }

            var tabs = await SocketClient.ConnectManyAsync(users * TabsPerUser, 32, i =>
                SocketClient.ConnectRawAsync(new Uri($"ws://127.0.0.1:{baseline.Address.Port}/ws?user={i / TabsPerUser}"), rigs[i / TabsPerUser].Received, cancellationToken));
            for (var i = 0; i < tabs.Count; i++)
            {
                rigs[i / TabsPerUser].Tabs.Add(tabs[i]);
            }

            return await MeasureAsync(rigs, measuredUsers, runs, samples, cancellationToken);
        }
        finally
        {
            await DisposeAllAsync(rigs);
        }
    }

    private static async Task<List<RunResult>> MeasureAsync(
        List<Rig> rigs, int measuredUsers, int runs, int samples, CancellationToken cancellationToken)
    {
        var measured = rigs.Take(measuredUsers).ToList();
        var background = rigs.Skip(measuredUsers).ToList();
        await MeasureRunAsync(measured, background, Math.Max(10, samples), cancellationToken);
        var results = new List<RunResult>();
        for (var run = 0; run < runs; run++)
        {
            results.Add(await MeasureRunAsync(measured, background, samples, cancellationToken));
        }

        return results;
    }

    private static async Task<RunResult> MeasureRunAsync(List<Rig> measured, List<Rig> background, int samples, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = BackgroundLoadAsync(background, stop.Token);
        var notify = new List<double>(samples);
        var respond = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var (notified, responded) = await measured[i % measured.Count].ActAsync(cancellationToken);
            notify.Add(notified);
            respond.Add(responded);
        }

        await stop.CancelAsync();
        var rate = await load;
        return new RunResult(
            Stats.Percentile(notify, 0.5), Stats.Percentile(notify, 0.99), notify.Max(),
            Stats.Percentile(respond, 0.5), Stats.Percentile(respond, 0.99), rate);
    }

    /// <summary>Open-loop load: one action every 5 ms, each by the next background user in turn; returns the rate achieved.</summary>
    private static async Task<double> BackgroundLoadAsync(List<Rig> background, CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var sent = 0;
        var interval = TimeSpan.FromSeconds(1.0 / BackgroundPerSecond);
        while (!cancellationToken.IsCancellationRequested && background.Count > 0)
        {
            var due = interval * sent - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(due, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            var rig = background[sent % background.Count];
            sent++;
            if (!rig.Busy)
            {
                inFlight.Add(rig.FireAsync(CancellationToken.None));
            }

            inFlight.RemoveAll(t => t.IsCompleted);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(inFlight);
        return sent / elapsed;
    }

    private static async Task DisposeAllAsync(List<Rig> rigs)
    {
        foreach (var tab in rigs.SelectMany(r => r.Tabs))
        {
            await tab.DisposeAsync();
        }
    }

    private sealed record RunResult(double P50, double P99, double Max, double ResponseP50, double ResponseP99, double BackgroundRate);

    /// <summary>One user with 4 tabs: triggers a change and times until every tab has the change's seq.</summary>
    private sealed class Rig(string name, Func<CancellationToken, Task> trigger)
    {
        private readonly Lock _lock = new();
        private int _waitingFor;
        private TaskCompletionSource<long>? _notified;
        private int _busy;

        public List<SocketClient> Tabs { get; } = [];

        public long Seq { get; set; }

        public bool Busy => Volatile.Read(ref _busy) != 0;

        public async Task<(double Notified, double Responded)> ActAsync(CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                Seq++;
                _waitingFor = TabsPerUser;
                _notified = done;
            }

            var started = Stopwatch.GetTimestamp();
            await trigger(cancellationToken);
            var responded = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            try
            {
                var notifiedAt = await done.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                return (Stopwatch.GetElapsedTime(started, notifiedAt).TotalMilliseconds, responded);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(
                    $"{name}: seq {Seq} reached {TabsPerUser - _waitingFor} of {TabsPerUser} tabs in 30 s; "
                    + $"tabs: {string.Join(", ", Tabs.Select(t => t.Failure ?? "open"))}.");
            }
        }

        /// <summary>A background action: triggered, not timed, its events ignored.</summary>
        public async Task FireAsync(CancellationToken cancellationToken)
        {
            Interlocked.Exchange(ref _busy, 1);
            try
            {
                lock (_lock)
                {
                    Seq++;
                }

                await trigger(cancellationToken);
            }
            finally
            {
                Interlocked.Exchange(ref _busy, 0);
            }
        }

        public void Received(long seq)
        {
            var now = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                if (_notified is not null && seq == Seq && --_waitingFor == 0)
                {
                    _notified.TrySetResult(now);
                    _notified = null;
                }
            }
        }
    }
}
