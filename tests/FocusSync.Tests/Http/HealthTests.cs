using System.Net;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FocusSync.Tests.Http;

public sealed class HealthTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task LiveRunsNoCheckAndReadyAndHealthCheckTheDatabase(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.CreateClient();

        var live = await ReadAsync(client, "/health/live", HttpStatusCode.OK);
        Assert.Equal("Healthy", live.GetProperty("status").GetString());
        Assert.Empty(live.GetProperty("checks").EnumerateObject());
        foreach (var path in new[] { "/health/ready", "/health" })
        {
            var ready = await ReadAsync(client, path, HttpStatusCode.OK);
            Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnUnreachableDatabaseMakesReady503WhileLiveStays200(Db db)
    {
        var unreachable = db == Db.Sqlite
            ? $"Data Source={Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "x.db")};Mode=ReadWrite"
            : "Host=127.0.0.1;Port=1;Username=nobody;Password=nothing;Database=none;Timeout=2";
        await using var app = await FocusSyncApp.StartAsync(db);
        await using var broken = app.WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Default", unreachable);
            b.UseSetting("Database:MigrateOnStart", "false");
        });
        using var client = broken.CreateClient();

        await ReadAsync(client, "/health/live", HttpStatusCode.OK);
        foreach (var path in new[] { "/health/ready", "/health" })
        {
            var ready = await ReadAsync(client, path, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Unhealthy", ready.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
            Assert.DoesNotContain("nothing", ready.GetRawText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AFailingCheckTaggedReadyMakesReady503()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        await using var withRedisDown = app.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
            services.AddHealthChecks()
                .AddCheck("redis", () => HealthCheckResult.Unhealthy("down"), tags: ["ready"])
                .AddCheck("untagged", () => HealthCheckResult.Unhealthy("not a readiness check"))));
        using var client = withRedisDown.CreateClient();

        await ReadAsync(client, "/health/live", HttpStatusCode.OK);
        var ready = await ReadAsync(client, "/health/ready", HttpStatusCode.ServiceUnavailable);
        var checks = ready.GetProperty("checks");
        Assert.Equal("Unhealthy", checks.GetProperty("redis").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        Assert.False(checks.TryGetProperty("untagged", out _));
        await ReadAsync(client, "/health", HttpStatusCode.ServiceUnavailable);
    }

    private static async Task<JsonElement> ReadAsync(HttpClient client, string path, HttpStatusCode status)
    {
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{path}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
