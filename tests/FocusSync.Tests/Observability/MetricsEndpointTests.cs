using FocusSync.Api.Observability;
using FocusSync.Tests.Http;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FocusSync.Tests.Observability;

[Collection(nameof(TelemetryCollection))]
public sealed class MetricsEndpointTests
{
    private const int NotFound = 404;

    private static readonly Dictionary<string, string?> _enabled = new() { ["Observability:Prometheus:Enabled"] = "true" };

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public async Task WhenEnabledMetricsServesTheMetersToLoopback(string loopback)
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, _enabled);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        await user.StartAsync(await user.CreateSessionIdAsync());

        var scrape = await app.GetFromAsync(ObservabilitySetup.MetricsPath, loopback);

        Assert.Equal(200, scrape.Status);
        Assert.Contains("focussync_actions_total{", scrape.Body, StringComparison.Ordinal);
        Assert.Contains("result=\"applied\"", scrape.Body, StringComparison.Ordinal);
        Assert.Contains("focussync_commit_duration_seconds_bucket{", scrape.Body, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_bucket{", scrape.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenNotEnabledMetricsIsAbsent()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);

        var scrape = await app.GetFromAsync(ObservabilitySetup.MetricsPath, "127.0.0.1");

        Assert.Equal(NotFound, scrape.Status);
        Assert.DoesNotContain("focussync", scrape.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("198.51.100.9", null, NotFound)]
    [InlineData("10.20.30.40", null, 200)]
    [InlineData("fd00::7", null, 200)]
    [InlineData("10.0.0.2", "203.0.113.5", NotFound)]
    public async Task OnlyLoopbackAndTheAllowedNetworksMayScrapeAndARelayedOutsiderMayNot(string from, string? forwardedFor, int status)
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>(_enabled)
        {
            ["Observability:Prometheus:AllowedNetworks:0"] = "10.0.0.0/8",
            ["Observability:Prometheus:AllowedNetworks:1"] = "fd00::/8",
            ["ForwardedHeaders:KnownProxies:0"] = "10.0.0.2",
        });

        var scrape = await app.GetFromAsync(ObservabilitySetup.MetricsPath, from, forwardedFor);

        Assert.Equal(status, scrape.Status);
        Assert.Equal(status == 200, scrape.Body.Contains("focussync_", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0")]
    [InlineData("everyone")]
    public async Task AnAllowedNetworkThatIsNotANetworkStopsTheStartNamingItsKey(string network)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Observability:Prometheus:AllowedNetworks:0"] = network });
        builder.AddObservability();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Observability:Prometheus:AllowedNetworks:0", error.Message, StringComparison.Ordinal);
    }
}
