using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FocusSync.Api.Http;

/// <summary>
/// <c>/health/live</c> runs no check (the process answers); <c>/health/ready</c> and <c>/health</c> run the
/// database check and every check tagged <see cref="ReadyTag"/> (Redis, when configured), 503 when one fails.
/// </summary>
public static class HealthSetup
{
    public const string ReadyTag = "ready";

    /// <summary>The data feature registers its check by this name, untagged.</summary>
    public const string DatabaseCheck = "database";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var ready = new HealthCheckOptions { Predicate = IsReadyCheck, ResponseWriter = WriteAsync };
        app.MapHealthChecks("/health", ready).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", ready).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous().DisableRateLimiting();
        return app;
    }

    internal static bool IsReadyCheck(HealthCheckRegistration check) =>
        check.Name == DatabaseCheck || check.Tags.Contains(ReadyTag);

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
}
