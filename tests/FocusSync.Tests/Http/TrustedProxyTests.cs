using System.Globalization;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Http;

public sealed class TrustedProxyTests
{
    private const string Proxy = "10.0.0.2";
    private const string Stranger = "198.51.100.9";
    private const int Burst = 3;
    private const int Unauthorized = 401;
    private const int TooManyRequests = 429;

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", Proxy)]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/24")]
    public async Task AnonymousCallersThroughATrustedProxyGetABucketEachByTheirForwardedAddress(string key, string proxy)
    {
        await using var app = await StartAsync(new() { [key] = proxy });

        await ExhaustAsync(app, Proxy, _ => "203.0.113.1");
        var other = await app.GetFromAsync("/sessions", Proxy, "203.0.113.2");

        Assert.Equal(Unauthorized, other.Status);
        Assert.Equal("203.0.113.2", other.RemoteAddress);
    }

    [Fact]
    public async Task ACallerThatIsNotATrustedProxyCannotLeaveItsBucketBySendingXForwardedFor()
    {
        await using var app = await StartAsync(new() { ["ForwardedHeaders:KnownProxies:0"] = Proxy });

        await ExhaustAsync(app, Stranger, i => $"203.0.113.{i + 1}");
        var spoofed = await app.GetFromAsync("/sessions", Stranger, "203.0.113.99");

        Assert.Equal(TooManyRequests, spoofed.Status);
        Assert.Equal(Stranger, spoofed.RemoteAddress);
    }

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData("::1", null)]
    [InlineData("127.0.0.1", Proxy)]
    [InlineData("::1", Proxy)]
    public async Task ALoopbackCallerCannotChangeItsAddressWithXForwardedForUnlessLoopbackIsAConfiguredProxy(
        string loopback, string? configuredProxy)
    {
        await using var app = await StartAsync(configuredProxy is null ? new() : new() { ["ForwardedHeaders:KnownProxies:0"] = configuredProxy });

        await ExhaustAsync(app, loopback, i => $"203.0.113.{i + 1}");
        var spoofed = await app.GetFromAsync("/sessions", loopback, "203.0.113.99");

        Assert.Equal(TooManyRequests, spoofed.Status);
        Assert.Equal(loopback, spoofed.RemoteAddress);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task ALoopbackProxyIsTrustedOnceConfigured(string loopback)
    {
        await using var app = await StartAsync(new() { ["ForwardedHeaders:KnownProxies:0"] = loopback });

        await ExhaustAsync(app, loopback, _ => "203.0.113.1");
        var other = await app.GetFromAsync("/sessions", loopback, "203.0.113.2");

        Assert.Equal(Unauthorized, other.Status);
        Assert.Equal("203.0.113.2", other.RemoteAddress);
    }

    [Fact]
    public async Task TheForwardedSchemeIsBelievedOnlyFromATrustedProxy()
    {
        await using var app = await StartAsync(new() { ["ForwardedHeaders:KnownProxies:0"] = Proxy });

        var proxied = await app.GetFromAsync("/health/live", Proxy, "203.0.113.1", "https");
        var spoofed = await app.GetFromAsync("/health/live", Stranger, "203.0.113.1", "https");

        Assert.Equal("https", proxied.Scheme);
        Assert.Equal("http", spoofed.Scheme);
    }

    [Theory]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.300")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.1")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "nginx")]
    [InlineData("ForwardedHeaders:KnownProxies:0", "10.0.0.0/24")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.1/24")]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.1/8")]
    public async Task AMalformedProxyAddressStopsTheStartNamingTheKey(string key, string value)
    {
        await using var database = await TestDatabase.CreateAsync(Db.Sqlite);

        var error = Assert.ThrowsAny<Exception>(() =>
            FocusSyncApp.Start(database, DateTimeOffset.UnixEpoch, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static Task<FocusSyncApp> StartAsync(Dictionary<string, string?> settings)
    {
        settings["RateLimits:PermitsPerSecond"] = "1";
        settings["RateLimits:Burst"] = Burst.ToString(CultureInfo.InvariantCulture);
        return FocusSyncApp.StartAsync(Db.Sqlite, settings);
    }

    /// <summary>Anonymous calls from <paramref name="remoteAddress"/> until the limiter refuses one.</summary>
    private static async Task ExhaustAsync(FocusSyncApp app, string remoteAddress, Func<int, string> forwardedFor)
    {
        var statuses = new List<int>();
        for (var i = 0; i < 3 * Burst && !statuses.Contains(TooManyRequests); i++)
        {
            statuses.Add((await app.GetFromAsync("/sessions", remoteAddress, forwardedFor(i))).Status);
        }

        Assert.All(statuses.Take(Burst), s => Assert.Equal(Unauthorized, s));
        Assert.Contains(TooManyRequests, statuses);
    }
}
