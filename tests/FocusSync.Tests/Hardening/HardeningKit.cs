using System.Net;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Hardening;

/// <summary>Settings and checks shared by the hardening tests.</summary>
internal static class HardeningKit
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>Limits high enough that only a test about flooding ever meets the rate limiter.</summary>
    public static Dictionary<string, string?> Unlimited(IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "100000",
            ["RateLimits:Burst"] = "100000",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static Task<FocusSyncApp> StartAsync(Db db, IDictionary<string, string?>? settings = null) =>
        FocusSyncApp.StartAsync(db, Unlimited(settings));

    /// <summary>Asserts an RFC 9457 problem with this status and a detail; returns the detail.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(text);
        Assert.Equal((int)status, body.RootElement.GetProperty("status").GetInt32());
        var detail = body.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
        Assert.False(string.IsNullOrWhiteSpace(detail), $"the problem has no detail: {text}");
        return detail!;
    }
}
