using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FocusSync.Tests.Hardening;

public sealed class NginxTests
{
    [Fact]
    public async Task TheShippedConfigurationPassesNginxTest()
    {
        var (exitCode, output) = await ShippedNginx.TestConfigurationAsync();

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task BehindTheShippedNginxTheServiceGetsTheClientsAddressAndSchemeAndNotTheOnesTheClientSent()
    {
        await using var upstream = await StartEchoAsync();
        await using var nginx = await ShippedNginx.StartAsync(Port(upstream));
        using var client = new HttpClient { BaseAddress = nginx.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");
        request.Headers.Add("X-Forwarded-Proto", "https");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var seen = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("127.0.0.1", seen.GetProperty("forwardedFor").GetString());
        Assert.Equal("http", seen.GetProperty("forwardedProto").GetString());
    }

    [Fact]
    public async Task TheShippedNginxLogsHubRequestsWithoutTheirQueryString()
    {
        await using var upstream = await StartEchoAsync();
        await using var nginx = await ShippedNginx.StartAsync(Port(upstream));
        using var client = new HttpClient { BaseAddress = nginx.Address };

        (await client.GetAsync("/hubs/sessions?id=connection-secret&access_token=token-secret", TestContext.Current.CancellationToken)).Dispose();
        (await client.GetAsync("/analytics/days?from=2026-06-01", TestContext.Current.CancellationToken)).Dispose();
        var hub = await nginx.AccessLogLineAsync(line => line.Contains("/hubs/sessions", StringComparison.Ordinal));
        var other = await nginx.AccessLogLineAsync(line => line.Contains("/analytics/days", StringComparison.Ordinal));

        Assert.Contains("\"GET /hubs/sessions HTTP/1.1\" 200", hub, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", hub, StringComparison.Ordinal);
        Assert.Contains("\"GET /analytics/days?from=2026-06-01 HTTP/1.1\" 200", other, StringComparison.Ordinal);
    }

    /// <summary>An upstream that answers every request with the forwarded headers it received.</summary>
    private static async Task<WebApplication> StartEchoAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var echo = builder.Build();
        echo.Run(context => context.Response.WriteAsJsonAsync(new
        {
            forwardedFor = context.Request.Headers["X-Forwarded-For"].ToString(),
            forwardedProto = context.Request.Headers["X-Forwarded-Proto"].ToString(),
        }));
        await echo.StartAsync();
        return echo;
    }

    private static int Port(WebApplication app) => new Uri(app.Urls.Single()).Port;
}
