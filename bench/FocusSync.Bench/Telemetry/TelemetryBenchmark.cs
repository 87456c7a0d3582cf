using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Text;
using FocusSync.Bench.Infrastructure;
using FocusSync.Bench.Throughput;

namespace FocusSync.Bench.Telemetry;

/// <summary>
/// What tracing and metrics cost in action throughput: the same start/pause load as <see cref="ThroughputBenchmark"/> on
/// two services side by side, one exporting nothing and one exporting traces, metrics and logs over OTLP (to a sink in
/// this process that reads and drops them) with the Prometheus endpoint enabled; runs alternate between the two.
/// </summary>
public sealed class TelemetryBenchmark : IBenchmark
{
    private const int TabsPerUser = 4;

    public string Name => "telemetry";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var clients = context.Smoke ? 4 : 64;
        var runs = context.Smoke ? 1 : 5;
        var duration = TimeSpan.FromSeconds(context.Smoke ? 0.5 : 5);
        await using var sink = await OtlpSink.StartAsync(cancellationToken);
        await using var offStore = Store.Sqlite("FULL", clients);
        await using var onStore = Store.Sqlite("FULL", clients);
        await using var off = await ServiceAsync(context, offStore, null, cancellationToken);
        await using var on = await ServiceAsync(context, onStore, new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Address.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "5000",
            ["Observability__Prometheus__Enabled"] = "true",
        }, cancellationToken);
        var sides = new[] { await LoadAsync(off, clients, cancellationToken), await LoadAsync(on, clients, cancellationToken) };
        try
        {
            // Both sides warm up as the throughput benchmark's service does, then alternate run by run.
            foreach (var side in sides)
            {
                await ThroughputBenchmark.ClosedLoopAsync(clients, TimeSpan.FromSeconds(context.Smoke ? 0.2 : 6), side.Act);
            }

            var rates = new[] { new List<double>(), new List<double>() };
            for (var run = 0; run < runs; run++)
            {
                foreach (var i in run % 2 == 0 ? new[] { 0, 1 } : [1, 0])
                {
                    rates[i].Add(await ThroughputBenchmark.ClosedLoopAsync(clients, duration, sides[i].Act));
                }
            }

            using var scrape = await on.Http.GetAsync("/metrics", cancellationToken);
            scrape.EnsureSuccessStatusCode();
            var exported = sink.Requests;
            if (!context.Smoke && (exported.Traces == 0 || exported.Metrics == 0))
            {
                throw new InvalidOperationException($"The telemetry side exported nothing: {exported}.");
            }

            var ratio = Stats.Median(rates[1]) / Stats.Median(rates[0]);
            var text = new StringBuilder();
            text.AppendLine("## 7. Telemetry overhead");
            text.AppendLine();
            text.AppendLine($"The load of section 1 ({clients} HTTP clients, start/pause actions, {TabsPerUser} hub connections per user, SQLite "
                + $"`synchronous=FULL`) on two services started side by side, {runs} runs of {duration.TotalSeconds:0.#} s each, the two sides "
                + "alternating (off first in even runs, on first in odd ones). Off: no `OTEL_EXPORTER_OTLP_ENDPOINT`, Prometheus off, so no "
                + "OpenTelemetry provider is built. On: every trace, metric and log exported over OTLP (HTTP/protobuf, metrics every 5 s) to "
                + "a sink in the bench process that reads and drops them, and `/metrics` enabled. Actions per second, median (each run).");
            text.AppendLine();
            text.AppendLine("| telemetry | actions/s | ratio to off |");
            text.AppendLine("|---|---|---|");
            text.AppendLine($"| off | {Stats.N(Stats.Median(rates[0]))} ({string.Join(", ", rates[0].Select(Stats.N))}) | 1.00 |");
            text.AppendLine($"| on | {Stats.N(Stats.Median(rates[1]))} ({string.Join(", ", rates[1].Select(Stats.N))}) | {Stats.F(ratio)} |");
            text.AppendLine();
            text.AppendLine($"Overhead: {Stats.F((1 - ratio) * 100, 1)} % of throughput. The sink received {Stats.N(exported.Traces)} trace, "
                + $"{Stats.N(exported.Metrics)} metric and {Stats.N(exported.Logs)} log requests ({Stats.N(exported.Bytes)} bytes); "
                + $"a scrape of `/metrics` was {Stats.N((await scrape.Content.ReadAsByteArrayAsync(cancellationToken)).Length)} bytes.");
            return text.ToString();
        }
        finally
        {
            foreach (var side in sides)
            {
                await side.DisposeAsync();
            }
        }
    }

    private static async Task<ServiceProcess> ServiceAsync(
        BenchContext context, Store store, Dictionary<string, string>? telemetry, CancellationToken cancellationToken)
    {
        var settings = ServiceUser.UnthrottledSettings();
        foreach (var (key, value) in store.ServiceSettings.Concat(telemetry ?? []))
        {
            settings[key] = value;
        }

        return await ServiceProcess.StartAsync(context.RepoRoot, store.Provider, store.ServiceConnectionString, settings, cancellationToken);
    }

    private static async Task<Side> LoadAsync(ServiceProcess service, int clients, CancellationToken cancellationToken)
    {
        var users = await ServiceUser.CreateManyAsync(service, "telemetry", clients, withSession: true, cancellationToken);
        var tabs = await SocketClient.ConnectManyAsync(clients * TabsPerUser, 32, i =>
            SocketClient.ConnectHubAsync(service.Address, users[i / TabsPerUser].Token, _ => { }, cancellationToken));
        var http = ServiceUser.CreateClient(service.Address);
        return new Side(http, tabs, i => users[i].ToggleAsync(http, cancellationToken));
    }

    private sealed record Side(HttpClient Http, List<SocketClient> Tabs, Func<int, Task> Act) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var tab in Tabs)
            {
                await tab.DisposeAsync();
            }

            Http.Dispose();
        }
    }

    /// <summary>Where the telemetry side exports: OTLP over HTTP, each request read whole and answered 200.</summary>
    private sealed class OtlpSink : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private long _traces;
        private long _metrics;
        private long _logs;
        private long _bytes;

        private OtlpSink(WebApplication app) => _app = app;

        public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        public (long Traces, long Metrics, long Logs, long Bytes) Requests =>
            (Interlocked.Read(ref _traces), Interlocked.Read(ref _metrics), Interlocked.Read(ref _logs), Interlocked.Read(ref _bytes));

        public static async Task<OtlpSink> StartAsync(CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var sink = new OtlpSink(app);
            app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
                Interlocked.Add(ref sink._bytes, body.Length);
                switch (signal)
                {
                    case "traces":
                        Interlocked.Increment(ref sink._traces);
                        break;
                    case "metrics":
                        Interlocked.Increment(ref sink._metrics);
                        break;
                    default:
                        Interlocked.Increment(ref sink._logs);
                        break;
                }

                return Results.Ok();
            });
            await app.StartAsync(cancellationToken);
            return sink;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
