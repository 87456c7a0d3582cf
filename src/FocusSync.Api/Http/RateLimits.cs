using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Http;

public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Requests a caller may make per second, sustained.</summary>
    [Range(1, 100_000)]
    public int PermitsPerSecond { get; set; } = 20;

    /// <summary>Requests a caller may make at once after being idle (the token bucket's size).</summary>
    [Range(1, 100_000)]
    public int Burst { get; set; } = 40;

    /// <summary>Calls to the health endpoints one address may make per second, sustained.</summary>
    [Range(1, 100_000)]
    public int HealthPermitsPerSecond { get; set; } = 10;

    /// <summary>Calls to the health endpoints one address may make at once after being idle.</summary>
    [Range(1, 100_000)]
    public int HealthBurst { get; set; } = 50;

    /// <summary>Exports (<c>GET /me/export</c>, the most expensive read) a user may make per hour, sustained.</summary>
    [Range(1, 3_600)]
    public int ExportsPerHour { get; set; } = 6;

    /// <summary>Exports a user may make at once after not exporting for a while.</summary>
    [Range(1, 100)]
    public int ExportBurst { get; set; } = 2;
}

/// <summary>
/// One token bucket per signed-in user (the identity's name, which Auth makes the token's <c>sub</c>), or per
/// remote IP for anonymous calls, so a flood from one caller only ever slows that caller down. The health endpoints
/// have buckets of their own per remote IP (<see cref="HealthPolicy"/>): a prober is never refused because its
/// address also made API calls, and probing costs the caller none of its API budget. An export takes a permit from a
/// much smaller bucket of the user's too (<see cref="ExportPolicy"/>), besides its request's own.
/// </summary>
public static class RateLimits
{
    public const string HealthPolicy = "health";
    public const string ExportPolicy = "export";

    public static WebApplicationBuilder AddRateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<RateLimitOptions>(RateLimitOptions.Section);
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, configured) =>
        {
            var limits = configured.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsHealth(context) ? RateLimitPartition.GetNoLimiter(HealthPolicy)
                : IsSignedInHubRequest(context) ? RateLimitPartition.GetNoLimiter(HubRequests.PathPrefix)
                : TokenBucket(PartitionKey(context), limits.PermitsPerSecond, limits.Burst));
            limiter.AddPolicy(HealthPolicy, context =>
                TokenBucket("ip:" + RemoteAddress(context), limits.HealthPermitsPerSecond, limits.HealthBurst));
            limiter.AddPolicy(ExportPolicy, context => RateLimitPartition.GetTokenBucketLimiter("export:" + PartitionKey(context), _ =>
                new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.ExportBurst,
                    TokensPerPeriod = 1,
                    ReplenishmentPeriod = TimeSpan.FromHours(1) / limits.ExportsPerHour,
                    QueueLimit = 0,
                }));
            limiter.OnRejected = (rejected, _) => WriteRejectionAsync(rejected, limits);
        });
        return builder;
    }

    /// <summary>Must follow UseAuthentication, so that the partition is the signed-in user.</summary>
    public static WebApplication UseRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// Takes <paramref name="permits"/> more permits from the caller's bucket for a request that does the work of
    /// several (a batch counts its operations, its request's own permit being the first), at most what a full bucket
    /// holds, all or none, before any of the work starts: a batch is never cut in the middle. Null when taken;
    /// otherwise the 429 to answer, its Retry-After set.
    /// </summary>
    public static ProblemHttpResult? TakeMore(HttpContext context, int permits)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var more = Math.Min(permits, limits.Burst - 1);
        if (more <= 0)
        {
            return null;
        }

        var limiter = context.RequestServices.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter!;
        using var lease = limiter.AttemptAcquire(context, more);
        if (lease.IsAcquired)
        {
            return null;
        }

        var seconds = RetryAfterSeconds(lease);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            title: "Rate limit reached",
            detail: $"This batch counts as {more + 1} requests, more than your rate limit leaves now: the limit is "
                + $"{limits.PermitsPerSecond} per second with bursts of up to {limits.Burst} (RateLimits). Nothing was applied. "
                + $"Retry after {seconds} s.",
            statusCode: StatusCodes.Status429TooManyRequests);
    }

    internal static string PartitionKey(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } uid }
            ? "user:" + uid
            : "ip:" + RemoteAddress(context);

    private static string RemoteAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>
    /// A signed-in user's hub requests are bounded by the hub's own gate (new connections per user and address),
    /// since long polls would spend the REST budget; anonymous ones share their address's bucket like any request.
    /// </summary>
    private static bool IsSignedInHubRequest(HttpContext context) =>
        context.Request.IsHubRequest() && context.User.Identity?.IsAuthenticated == true;

    private static bool IsHealth(HttpContext context) => PolicyOf(context) == HealthPolicy;

    private static string? PolicyOf(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;

    private static int RetryAfterSeconds(RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        return Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
    }

    private static RateLimitPartition<string> TokenBucket(string key, int permitsPerSecond, int burst) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = permitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
        });

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, RateLimitOptions limits)
    {
        var context = rejected.HttpContext;
        var seconds = RetryAfterSeconds(rejected.Lease);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Rate limit reached", PolicyOf(context) switch
        {
            HealthPolicy => $"Too many health checks from this address: the limit is {limits.HealthPermitsPerSecond} per second with "
                + $"bursts of up to {limits.HealthBurst} (RateLimits:HealthPermitsPerSecond, RateLimits:HealthBurst). "
                + $"Retry after {seconds} s.",
            ExportPolicy => $"Too many exports: the limit is {limits.ExportsPerHour} per hour with bursts of up to "
                + $"{limits.ExportBurst} (RateLimits:ExportsPerHour, RateLimits:ExportBurst). Retry after {seconds} s.",
            _ => $"Too many requests: the limit is {limits.PermitsPerSecond} per second with bursts of up to "
                + $"{limits.Burst} (RateLimits). Retry after {seconds} s.",
        });
    }
}
