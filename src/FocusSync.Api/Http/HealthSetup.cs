using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Http;

public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>How long a check's result answers every health call, in milliseconds; 0 runs the checks on every call.</summary>
    [Range(0, 60_000)]
    public int CacheMilliseconds { get; set; } = 1000;
}

/// <summary>
/// <c>/health/live</c> runs no check (the process answers); <c>/health/ready</c> and <c>/health</c> run every
/// check tagged <see cref="ReadyTag"/> (the database, and Redis when configured), 503 when one fails.
/// The endpoints are anonymous, so each check's result is reused for <see cref="HealthOptions.CacheMilliseconds"/>
/// (however many calls arrive, a check runs at most once in that time) and every endpoint, <c>/health/live</c>
/// included, is rate-limited per address (<see cref="RateLimits.HealthPolicy"/>).
/// </summary>
public static class HealthSetup
{
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<HealthCheckCache>();
        builder.Services.AddSettings<HealthOptions>(HealthOptions.Section);
        // Post-configured, so that checks added anywhere (data, realtime, tests) are all cached.
        builder.Services.AddOptions<HealthCheckServiceOptions>().PostConfigure<HealthCheckCache>((checks, cache) =>
        {
            foreach (var registration in checks.Registrations)
            {
                var create = registration.Factory;
                var name = registration.Name;
                registration.Factory = services => new CachedHealthCheck(cache, name, () => create(services));
            }
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync };
        app.MapHealthChecks("/health", ready).AllowAnonymous().RequireRateLimiting(RateLimits.HealthPolicy);
        app.MapHealthChecks("/health/ready", ready).AllowAnonymous().RequireRateLimiting(RateLimits.HealthPolicy);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous().RequireRateLimiting(RateLimits.HealthPolicy);
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                // Only the status: an exception message could reveal a connection string or host name.
                e => new { status = e.Value.Status.ToString(), durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1) }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }

    private sealed class CachedHealthCheck(HealthCheckCache cache, string name, Func<IHealthCheck> create) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
            cache.GetAsync(name, async token =>
            {
                try
                {
                    return await create().CheckHealthAsync(context, token);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    // Kept like any result, or every waiting caller would run the failing check again in turn.
                    return new HealthCheckResult(context.Registration.FailureStatus, exception: e);
                }
            }, cancellationToken);
    }
}

/// <summary>The last result of each health check and until when it stands, by check name.</summary>
internal sealed class HealthCheckCache(TimeProvider time, IOptions<HealthOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<HealthCheckResult> GetAsync(
        string name, Func<CancellationToken, Task<HealthCheckResult>> run, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromMilliseconds(options.Value.CacheMilliseconds);
        if (window == TimeSpan.Zero)
        {
            return await run(cancellationToken);
        }

        var entry = _entries.GetOrAdd(name, _ => new Entry());
        if (entry.FreshAt(time.GetUtcNow()) is { } fresh)
        {
            return fresh;
        }

        // One caller runs the check; those arriving meanwhile wait for its result instead of running it as well.
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            if (entry.FreshAt(time.GetUtcNow()) is { } ranMeanwhile)
            {
                return ranMeanwhile;
            }

            var result = await run(cancellationToken);
            entry.Last = new Stored(result, time.GetUtcNow() + window);
            return result;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private sealed record Stored(HealthCheckResult Result, DateTimeOffset Until);

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Stored? Last { get; set; }

        public HealthCheckResult? FreshAt(DateTimeOffset now) => Last is { } last && now < last.Until ? last.Result : null;
    }
}
