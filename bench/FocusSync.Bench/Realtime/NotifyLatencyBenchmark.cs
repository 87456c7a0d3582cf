using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Bench.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace FocusSync.Bench.Realtime;

/// <summary>
/// Time from sending a timer action to the moment every connection of that user has its event, on the
/// real service (SQLite, Kestrel, WebSockets) holding 1,000 connections: 250 users with 4 tabs each.
/// </summary>
public sealed class NotifyLatencyBenchmark : IBenchmark
{
    private const int TabsPerUser = 4;

    public string Name => "realtime";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var users = context.Smoke ? 5 : 250;
        var samples = context.Smoke ? 40 : 3_000;
        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-realtime-{Guid.NewGuid():N}.db");
        try
        {
            await using var service = await ServiceProcess.StartAsync(
                context.RepoRoot, "Sqlite", $"Data Source={file}",
                
                // Setting up 250 users asks /dev/token 250 times from one address: far past the per-caller rate limit.
                new Dictionary<string, string> { ["RateLimits__PermitsPerSecond"] = "100000", ["RateLimits__Burst"] = "100000" }, cancellationToken);
            var rigs = new List<UserRig>();
            for (var i = 0; i < users; i++)
            {
                rigs.Add(await UserRig.StartAsync(service, $"bench-{i}", cancellationToken));
            }

            Console.WriteLine($"{rigs.Count * TabsPerUser} connections open");
            var rows = new List<string>();
            foreach (var inFlight in new[] { 1, Math.Min(16, rigs.Count) })
            {
                await MeasureAsync(rigs, Math.Min(samples / 10, 200), inFlight, cancellationToken);
                var (notify, respond) = await MeasureAsync(rigs, samples, inFlight, cancellationToken);
                rows.Add(Row(inFlight, notify, respond));
            }

            foreach (var rig in rigs)
            {
                await rig.DisposeAsync();
            }

            return $"""
                ## Real-time notify latency

                From sending `POST /sessions/{"{id}"}/actions/start` (or `pause`) to the moment all {TabsPerUser} connections of
                that user have received its event; {rigs.Count} users × {TabsPerUser} = {rigs.Count * TabsPerUser} WebSocket connections
                open on one instance of the service (Release build, SQLite with `synchronous=FULL`, Kestrel on loopback).
                The clients run in the benchmark process on the same machine; the request rate limit is raised so that
                setting up the users is not throttled (no user comes near it while measuring). {samples:N0} measured actions per row,
                after a warm-up; "in flight" is how many users act at the same moment. Goal: p99 under 25 ms.

                | in flight | notify p50 (ms) | notify p99 (ms) | notify max (ms) | response p50 (ms) | response p99 (ms) | p99 < 25 ms |
                |---|---|---|---|---|---|---|
                {string.Join("\n", rows)}
                """;
        }
        finally
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    private static string Row(int inFlight, List<double> notify, List<double> respond) =>
        string.Create(CultureInfo.InvariantCulture,
            $"| {inFlight} | {Percentile(notify, 0.50):F2} | {Percentile(notify, 0.99):F2} | {notify.Max():F2} | {Percentile(respond, 0.50):F2} | {Percentile(respond, 0.99):F2} | {(Percentile(notify, 0.99) < 25 ? "yes" : "no")} |");

    private static async Task<(List<double> Notify, List<double> Respond)> MeasureAsync(
        List<UserRig> rigs, int samples, int inFlight, CancellationToken cancellationToken)
    {
        var notify = new List<double>(samples);
        var respond = new List<double>(samples);
        var next = 0;
        var workers = Enumerable.Range(0, inFlight).Select(async worker =>
        {
            // Each worker owns a disjoint set of users, so one user never has two actions in flight.
            var mine = rigs.Where((_, i) => i % inFlight == worker).ToList();
            while (true)
            {
                var n = Interlocked.Increment(ref next);
                if (n > samples)
                {
                    return;
                }

                var (notified, responded) = await mine[n % mine.Count].ActAsync(cancellationToken);
                lock (notify)
                {
                    notify.Add(notified);
                    respond.Add(responded);
                }
            }
        });
        await Task.WhenAll(workers);
        return (notify, respond);
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private sealed class UserRig : IAsyncDisposable
    {
        private readonly Lock _lock = new();
        private readonly HttpClient _http;
        private readonly List<HubConnection> _tabs = [];
        private long _seq;
        private long _sessionId;
        private bool _running;
        private int _waitingFor;
        private TaskCompletionSource<long>? _notified;

        private UserRig(HttpClient http) => _http = http;

        public static async Task<UserRig> StartAsync(ServiceProcess service, string uid, CancellationToken cancellationToken)
        {
            var token = await service.TokenAsync(uid, cancellationToken);
            var http = new HttpClient { BaseAddress = service.Address };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var rig = new UserRig(http);
            using var created = await http.PostAsJsonAsync("/sessions", new { title = "Bench", initialDuration = 86400, dailyGoalMinutes = 60 }, cancellationToken);
            created.EnsureSuccessStatusCode();
            rig._sessionId = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetInt64();
            for (var i = 0; i < TabsPerUser; i++)
            {
                var tab = new HubConnectionBuilder()
                    .WithUrl(new Uri(service.Address, "/hubs/sessions"), o =>
                    {
                        o.Transports = HttpTransportType.WebSockets;
                        o.SkipNegotiation = true;
                        o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                    })
                    .Build();
                tab.On<JsonElement>("event", change => rig.Received(change.GetProperty("seq").GetInt64()));
                await tab.StartAsync(cancellationToken);
                rig._tabs.Add(tab);
            }

            using var list = await http.GetAsync("/sessions", cancellationToken);
            rig._seq = (await list.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("seq").GetInt64();
            return rig;
        }

        /// <summary>Toggles the session; returns ms until all tabs had the event, and until the response.</summary>
        public async Task<(double Notified, double Responded)> ActAsync(CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                _seq++;
                _waitingFor = TabsPerUser;
                _notified = done;
            }

            var action = _running ? "pause" : "start";
            _running = !_running;
            var started = Stopwatch.GetTimestamp();
            using (var response = await _http.PostAsync($"/sessions/{_sessionId}/actions/{action}", null, cancellationToken))
            {
                response.EnsureSuccessStatusCode();
            }

            var responded = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            long notifiedAt;
            try
            {
                notifiedAt = await done.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(
                    $"Seq {_seq} ({action}) reached {TabsPerUser - _waitingFor} of {TabsPerUser} tabs in 30 s; tabs: {string.Join(", ", _tabs.Select(t => t.State))}.");
            }

            return (Stopwatch.GetElapsedTime(started, notifiedAt).TotalMilliseconds, responded);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var tab in _tabs)
            {
                await tab.DisposeAsync();
            }

            _http.Dispose();
        }

        private void Received(long seq)
        {
            var now = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                if (seq == _seq && --_waitingFor == 0)
                {
                    _notified?.TrySetResult(now);
                }
            }
        }
    }
}
