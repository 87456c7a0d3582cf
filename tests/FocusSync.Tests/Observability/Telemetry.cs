using System.Collections.ObjectModel;
using System.Diagnostics;
using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FocusSync.Tests.Observability;

/// <summary>
/// The meter and the activity sources are process-wide, so an app's in-memory exporter would also see the apps of tests
/// running beside it: the telemetry tests run alone.
/// </summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

/// <summary>What an app exported through OpenTelemetry's in-memory exporters, as a service with an exporter configured would.</summary>
internal sealed class Telemetry
{
    private readonly Locked<Activity> _spans = new();
    private readonly Locked<MetricSnapshot> _metrics = new();
    private FocusSyncApp? _app;

    public AppOptions Options(AppOptions options) => options with
    {
        Services = services =>
        {
            services.AddOpenTelemetry()
                .WithTracing(tracing => tracing.AddInMemoryExporter(_spans))
                .WithMetrics(metrics => metrics.AddInMemoryExporter(_metrics));

            // EF Core stops asking whether anyone listens for a second after nobody did, in a logger that apps with
            // the same options share: the apps of earlier tests had no listener, so this app gets a logger of its own.
            services.ConfigureDbContext<SqliteFocusSyncDb>(db => db.ConfigureLoggingCacheTime(TimeSpan.Zero));
            services.ConfigureDbContext<PostgresFocusSyncDb>(db => db.ConfigureLoggingCacheTime(TimeSpan.Zero));
        },
    };

    public async Task<FocusSyncApp> StartAsync(Db db, AppOptions? options = null)
    {
        _app = await FocusSyncApp.StartAsync(db, Options(options ?? new AppOptions()));
        return _app;
    }

    public IReadOnlyList<Activity> Spans => _spans.Snapshot();

    /// <summary>The spans of <paramref name="trace"/>, once one of them satisfies <paramref name="last"/> (spans export as they end).</summary>
    /// <summary>
    /// The spans of a trace once those it names have all ended: the request's server span ends only after its response
    /// is sent, which may be after the hub send it caused.
    /// </summary>
    public async Task<IReadOnlyList<Activity>> TraceAsync(ActivityTraceId trace, params Func<Activity, bool>[] ended) =>
        (await SpansAsync(spans => ended.All(e => spans.Any(s => s.TraceId == trace && e(s))))).Where(s => s.TraceId == trace).ToList();

    /// <summary>The spans exported so far, once they satisfy <paramref name="until"/>.</summary>
    public async Task<IReadOnlyList<Activity>> SpansAsync(Func<IReadOnlyList<Activity>, bool> until)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var spans = Spans;
            if (until(spans))
            {
                return spans;
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), $"Only these spans ended: {string.Join(", ", spans.Select(s => s.DisplayName))}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every metric as of now, collected at once.</summary>
    public IReadOnlyDictionary<string, MetricSnapshot> Metrics()
    {
        _metrics.Clear();
        Assert.True(_app!.Services.GetRequiredService<MeterProvider>().ForceFlush());
        return _metrics.Snapshot().GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
    }

    public IReadOnlyList<MetricSnapshot> AllMetrics => _metrics.Snapshot();

    /// <summary>The sum of a counter's points whose attributes include every one of <paramref name="tags"/>.</summary>
    public long Sum(string metric, params (string Key, string Value)[] tags) =>
        Metrics().TryGetValue(metric, out var snapshot) ? Points(snapshot, tags).Sum(p => p.GetSumLong()) : 0;

    public static IEnumerable<MetricPoint> Points(MetricSnapshot snapshot, params (string Key, string Value)[] tags) =>
        snapshot.MetricPoints.Where(point =>
        {
            var attributes = new Dictionary<string, object?>();
            foreach (var tag in point.Tags)
            {
                attributes[tag.Key] = tag.Value;
            }

            return tags.All(t => attributes.TryGetValue(t.Key, out var value) && Equals(value, t.Value));
        });

    /// <summary>An exporter's collection that the test can read while the exporter adds to it.</summary>
    private sealed class Locked<T> : Collection<T>
    {
        private readonly Lock _lock = new();

        public IReadOnlyList<T> Snapshot()
        {
            lock (_lock)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, T item)
        {
            lock (_lock)
            {
                base.InsertItem(index, item);
            }
        }

        protected override void ClearItems()
        {
            lock (_lock)
            {
                base.ClearItems();
            }
        }
    }
}
