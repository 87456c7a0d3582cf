using System.Net;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Web;

public sealed class BrowserSecurityTests
{
    private const string Allowed = "https://app.example.com";
    private const string Evil = "https://evil.example.net";

    [Fact]
    public async Task EveryResponseCarriesTheSecurityHeadersAndAStrictCsp()
    {
        await using var app = await StartAsync();
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        foreach (var path in new[] { "/health/live", "/me", "/sessions/abc", "/no/such/path", "/" })
        {
            using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
            Assert.Equal("DENY", Single(response, "X-Frame-Options"));
            Assert.Equal("no-referrer", Single(response, "Referrer-Policy"));
            var csp = Single(response, "Content-Security-Policy");
            Assert.StartsWith("default-src 'self';", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("*", csp, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CorsAnswersOnlyTheAllowListedOrigin()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();

        using var allowed = await client.SendAsync(Preflight(Allowed), TestContext.Current.CancellationToken);
        Assert.Equal(Allowed, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("authorization", string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);

        using var evil = await client.SendAsync(Preflight(Evil), TestContext.Current.CancellationToken);
        Assert.False(evil.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData(Evil, HttpStatusCode.Forbidden)]
    [InlineData("null", HttpStatusCode.Forbidden)]
    [InlineData("http://localhost.evil.example.net", HttpStatusCode.Forbidden)]
    [InlineData(Allowed, HttpStatusCode.OK)]
    [InlineData("http://localhost", HttpStatusCode.OK)]
    [InlineData("", HttpStatusCode.OK)]
    public async Task TheHubRefusesOriginsThatAreNeitherItsOwnNorAllowListed(string origin, HttpStatusCode expected)
    {
        await using var app = await StartAsync();
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/sessions/negotiate?negotiateVersion=1");
        if (origin.Length > 0)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        if (expected == HttpStatusCode.Forbidden)
        {
            var detail = await ApiClient.AssertProblemDetailAsync(response, HttpStatusCode.Forbidden);
            Assert.Contains("Cors:AllowedOrigins", detail, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task AWebSocketUpgradeFromAForeignOriginIsRefusedAndFromTheOwnOriginAccepted()
    {
        await using var app = await StartAsync();
        var uid = FocusSyncApp.NewUserId();

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(app, uid, Evil));
        Assert.Contains("403", refused.ToString(), StringComparison.Ordinal);

        using var accepted = await ConnectAsync(app, uid, Allowed);
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, accepted.State);
    }

    private static async Task<System.Net.WebSockets.WebSocket> ConnectAsync(FocusSyncApp app, string uid, string origin)
    {
        var webSockets = app.Server.CreateWebSocketClient();
        webSockets.ConfigureRequest = request =>
        {
            request.Headers.Origin = origin;
            request.Headers.Authorization = $"Bearer {app.Tokens.Mint(uid)}";
        };
        var uri = new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = "/hubs/sessions" }.Uri;
        return await webSockets.ConnectAsync(uri, CancellationToken.None);
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/sessions");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static string Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? Assert.Single(values)
            : throw new Xunit.Sdk.XunitException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri} has no {name}");

    private static Task<FocusSyncApp> StartAsync() =>
        FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = Allowed });
}
