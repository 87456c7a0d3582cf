using System.Net;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FocusSync.Tests.Http;

public sealed class HealthCacheTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task CallsWithinASecondRunEachCheckOnceAndTheFirstCallAfterItRunsThemAgain(Db db)
    {
        var check = new CountingCheck(() => HealthCheckResult.Healthy());
        await using var app = await FocusSyncApp.StartAsync(db);
        await using var counted = WithCheck(app, check);
        using var client = counted.CreateClient();

        for (var i = 0; i < 10; i++)
        {
            await AssertStatusAsync(client, i % 2 == 0 ? "/health" : "/health/ready", HttpStatusCode.OK);
        }

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => AssertStatusAsync(client, "/health/ready", HttpStatusCode.OK)));
        Assert.Equal(1, check.Runs);

        app.Clock.Advance(TimeSpan.FromMilliseconds(999));
        await AssertStatusAsync(client, "/health", HttpStatusCode.OK);
        Assert.Equal(1, check.Runs);

        app.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await AssertStatusAsync(client, "/health", HttpStatusCode.OK);
        await AssertStatusAsync(client, "/health/ready", HttpStatusCode.OK);
        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task ACheckThatThrowsIsUnhealthyAndAlsoRunsOnceInTheWindow()
    {
        var check = new CountingCheck(() => throw new InvalidOperationException("the backend is down"));
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        await using var counted = WithCheck(app, check);
        using var client = counted.CreateClient();

        for (var i = 0; i < 5; i++)
        {
            await AssertStatusAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
        }

        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task WithTheCacheOffEveryCallRunsTheChecks()
    {
        var check = new CountingCheck(() => HealthCheckResult.Healthy());
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?> { ["Health:CacheMilliseconds"] = "0" });
        await using var counted = WithCheck(app, check);
        using var client = counted.CreateClient();

        for (var i = 0; i < 5; i++)
        {
            await AssertStatusAsync(client, "/health/ready", HttpStatusCode.OK);
        }

        Assert.Equal(5, check.Runs);
    }

    private static WebApplicationFactory<Program> WithCheck(FocusSyncApp app, CountingCheck check) =>
        app.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddHealthChecks().AddCheck("counted", check, tags: ["ready"])));

    private static async Task AssertStatusAsync(HttpClient client, string path, HttpStatusCode status)
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
    }

    private sealed class CountingCheck(Func<HealthCheckResult> result) : IHealthCheck
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return Task.FromResult(result());
        }
    }
}
