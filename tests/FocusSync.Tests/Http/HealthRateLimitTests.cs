using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Http;

public sealed class HealthRateLimitTests
{
    private const int Ok = 200;
    private const int Unauthorized = 401;
    private const int TooManyRequests = 429;

    [Fact]
    public async Task EachAddressHasOneHealthBucketForTheThreeEndpoints()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:HealthPermitsPerSecond"] = "1",
            ["RateLimits:HealthBurst"] = "3",
        });

        foreach (var path in new[] { "/health/live", "/health/ready", "/health" })
        {
            Assert.Equal(Ok, (await app.GetFromAsync(path, "192.0.2.1")).Status);
        }

        var refused = await app.GetFromAsync("/health/live", "192.0.2.1");
        var other = await app.GetFromAsync("/health/ready", "192.0.2.2");

        Assert.Equal(TooManyRequests, refused.Status);
        Assert.True(int.Parse(refused.RetryAfter, System.Globalization.CultureInfo.InvariantCulture) >= 1, $"Retry-After: {refused.RetryAfter}");
        using var problem = JsonDocument.Parse(refused.Body);
        Assert.Contains("RateLimits:HealthBurst", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(Ok, other.Status);
    }

    [Fact]
    public async Task ProbingNeitherSpendsNorWaitsForTheAddressesApiBucket()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "1",
            ["RateLimits:Burst"] = "3",
        });
        const string address = "192.0.2.1";

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(Ok, (await app.GetFromAsync("/health/live", address)).Status);
        }

        var api = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            api.Add((await app.GetFromAsync("/sessions", address)).Status);
        }

        Assert.All(api.Take(3), s => Assert.Equal(Unauthorized, s));
        Assert.Contains(TooManyRequests, api);
        Assert.Equal(Ok, (await app.GetFromAsync("/health/ready", address)).Status);
    }

    [Fact]
    public async Task TheDefaultHealthLimitsLetFiftyProbesFromOneAddressThroughAtOnce()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            app.GetFromAsync(i % 2 == 0 ? "/health/live" : "/health/ready", "192.0.2.1")));

        Assert.All(answers, a => Assert.Equal(Ok, a.Status));
    }
}
