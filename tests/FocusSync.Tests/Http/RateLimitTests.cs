using System.Diagnostics;
using System.Net;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Http;

public sealed class RateLimitTests
{
    private const int Burst = 10;

    [Fact]
    public async Task AFloodFromOneUserGets429WithRetryAfterWhileAnotherUserIsServed()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "1",
            ["RateLimits:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var flooder = app.ClientFor(FocusSyncApp.NewUserId());
        using var other = app.ClientFor(FocusSyncApp.NewUserId());

        var clock = Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 3 * Burst; i++)
        {
            var response = await flooder.GetAsync("/me", TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && refused is null)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        var elapsedSeconds = clock.Elapsed.TotalSeconds;
        Assert.All(statuses.Take(Burst), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.NotNull(refused);
        // One permit comes back per second; nothing beyond the bucket and its refills gets through.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), Burst, Burst + (int)Math.Ceiling(elapsedSeconds) + 1);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
        var detail = await ApiClient.AssertProblemDetailAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("RateLimits", detail, StringComparison.Ordinal);
        refused.Dispose();

        for (var i = 0; i < Burst; i++)
        {
            using var response = await other.GetAsync("/me", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task AnonymousCallersAreLimitedByAddressWithoutTouchingSignedInUsers()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "1",
            ["RateLimits:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var anonymous = app.CreateClient();
        using var user = app.ClientFor(FocusSyncApp.NewUserId());

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3 * Burst; i++)
        {
            using var response = await anonymous.GetAsync("/sessions", TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses.Take(Burst), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        using var served = await user.GetAsync("/sessions", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        using var health = await anonymous.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task AnonymousHubRequestsAreLimitedByAddressWhileASignedInUsersHubRequestsAreNot()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "1",
            ["RateLimits:Burst"] = Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var anonymous = app.CreateClient();
        using var user = app.ClientFor(FocusSyncApp.NewUserId());

        var anonymousStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3 * Burst; i++)
        {
            using var response = await anonymous.PostAsync("/hubs/sessions/negotiate?negotiateVersion=1", null, TestContext.Current.CancellationToken);
            anonymousStatuses.Add(response.StatusCode);
        }

        Assert.All(anonymousStatuses.Take(Burst), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Contains(HttpStatusCode.TooManyRequests, anonymousStatuses);
        // More than the request bucket holds, fewer than the hub's own limit of pending connections per user.
        for (var i = 0; i < Burst + 5; i++)
        {
            using var negotiated = await user.PostAsync("/hubs/sessions/negotiate?negotiateVersion=1", null, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, negotiated.StatusCode);
        }
    }

    [Fact]
    public async Task TheDefaultLimitsLetABurstOfFortyConcurrentActionsThrough()
    {
        // The shipped defaults (appsettings.json), stated here so a test factory's own settings cannot hide them.
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "20",
            ["RateLimits:Burst"] = "40",
        });
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.PostAsync("/sessions/actions/reset-all", null)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
