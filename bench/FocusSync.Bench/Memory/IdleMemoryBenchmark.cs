using System.Text;
using FocusSync.Bench.Infrastructure;

namespace FocusSync.Bench.Memory;

/// <summary>
/// The server's working set with 10,000 idle connections minus with none, per connection: the service's
/// hub against raw Kestrel WebSockets.
/// </summary>
public sealed class IdleMemoryBenchmark : IBenchmark
{
    private const int TabsPerUser = 4;

    public string Name => "memory";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var connections = context.Smoke ? 200 : 10_000;
        var runs = context.Smoke ? 1 : 3;
        var settle = TimeSpan.FromSeconds(context.Smoke ? 0.3 : 4);
        var limit = Stats.OpenFileLimit();
        var note = "";
        if (connections + 1_000 > limit)
        {
            connections = (int)Math.Max(TabsPerUser, (limit - 1_000) / TabsPerUser * TabsPerUser);
            note = $"\n\n**Connections reduced to {connections:N0}**: the open-file limit is {limit}; run with `ulimit -n 65536`.";
        }

        var service = new List<Sample>();
        var baseline = new List<Sample>();
        for (var run = 0; run < runs; run++)
        {
            service.Add(await MeasureServiceAsync(context, connections, settle, cancellationToken));
            baseline.Add(await MeasureBaselineAsync(connections, settle, cancellationToken));
        }

        // Evidence for the missed goal: the same service under workstation GC, which keeps a smaller heap.
        var workstation = await MeasureServiceAsync(context, connections, settle, cancellationToken, new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" });
        var perConnection = Stats.Median(service.Select(s => s.KbPerConnection));
        var basePerConnection = Stats.Median(baseline.Select(s => s.KbPerConnection));
        var ratio = perConnection / basePerConnection;
        var text = new StringBuilder();
        text.AppendLine("## 4. Idle memory");
        text.AppendLine();
        text.AppendLine($"Working set (RSS) of the server process with {connections:N0} idle connections minus with none, divided by "
            + $"{connections:N0}. Service: hub connections over WebSockets ({connections / TabsPerUser:N0} users × {TabsPerUser}; their tokens are minted "
            + "before the empty measurement). Baseline: raw Kestrel WebSockets in the bench program's `baseline-server` child process, each "
            + $"waiting in `ReceiveAsync` with a 4 KB buffer. Each figure is read {settle.TotalSeconds:0.#} s after the connections open, as the "
            + $"median of 5 readings; {runs} runs per side, each in a fresh process; both sides run server GC, a web project's default; KB = 1,024 bytes.");
        text.AppendLine();
        text.AppendLine("| side | KB per connection | runs (MB idle → MB loaded) |");
        text.AppendLine("|---|---|---|");
        text.AppendLine(Row("service", service));
        text.AppendLine(Row("baseline (raw Kestrel WebSockets)", baseline));
        text.AppendLine(Row("service with workstation GC (`DOTNET_gcServer=0`; 1 run, for comparison only)", [workstation]));
        text.AppendLine();
        text.AppendLine("| goal | value | |");
        text.AppendLine("|---|---|---|");
        text.AppendLine($"| ≤ 24 KB per connection | {Stats.F(perConnection, 1)} KB | {Stats.YesNo(perConnection <= 24)} |");
        text.AppendLine($"| ≤ 2× baseline | {Stats.F(ratio)}× ({Stats.F(basePerConnection, 1)} KB) | {Stats.YesNo(ratio <= 2)} |");
        text.Append(note);
        return text.ToString();
    }

    private static string Row(string side, List<Sample> runs) =>
        $"| {side} | {Stats.F(Stats.Median(runs.Select(r => r.KbPerConnection)), 1)} | "
        + string.Join("; ", runs.Select(r => $"{Stats.F(r.Idle / 1048576.0, 1)} → {Stats.F(r.Loaded / 1048576.0, 1)}")) + " |";

    private static async Task<Sample> MeasureServiceAsync(
        BenchContext context, int connections, TimeSpan settle, CancellationToken cancellationToken, Dictionary<string, string>? extra = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-memory-{Guid.NewGuid():N}.db");
        try
        {
            var settings = ServiceUser.UnthrottledSettings();
            foreach (var (key, value) in extra ?? [])
            {
                settings[key] = value;
            }

            await using var service = await ServiceProcess.StartAsync(context.RepoRoot, "Sqlite", $"Data Source={file}", settings, cancellationToken);
            var users = await ServiceUser.CreateManyAsync(service, "memory", connections / TabsPerUser, withSession: false, cancellationToken);
            return await MeasureAsync(service, connections, settle, i =>
                SocketClient.ConnectHubAsync(service.Address, users[i / TabsPerUser].Token, _ => { }, cancellationToken), cancellationToken);
        }
        finally
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    private static async Task<Sample> MeasureBaselineAsync(int connections, TimeSpan settle, CancellationToken cancellationToken)
    {
        await using var baseline = await ServiceProcess.StartBaselineAsync(cancellationToken: cancellationToken);
        return await MeasureAsync(baseline, connections, settle, i =>
            SocketClient.ConnectRawAsync(new Uri($"ws://127.0.0.1:{baseline.Address.Port}/ws?user={i / TabsPerUser}"), _ => { }, cancellationToken),
            cancellationToken);
    }

    private static async Task<Sample> MeasureAsync(
        ServiceProcess server, int connections, TimeSpan settle, Func<int, Task<SocketClient>> connect, CancellationToken cancellationToken)
    {
        await Task.Delay(settle, cancellationToken);
        var idle = await server.SettledWorkingSetAsync(cancellationToken);
        var clients = await SocketClient.ConnectManyAsync(connections, 32, connect);
        try
        {
            await Task.Delay(settle, cancellationToken);
            var loaded = await server.SettledWorkingSetAsync(cancellationToken);
            var failed = clients.Count(c => c.Failure is not null);
            if (failed > 0)
            {
                throw new InvalidOperationException($"{failed} connections closed while idle: {clients.First(c => c.Failure is not null).Failure}");
            }

            return new Sample(idle, loaded, (loaded - idle) / 1024.0 / connections);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private sealed record Sample(long Idle, long Loaded, double KbPerConnection);
}
