using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Realtime;

/// <summary>
/// New hub connections (negotiates, and WebSockets opened without one) are limited per user and per remote
/// address, in rate and in how many may wait unfinished before the handshake; a flood from one user or address
/// never keeps anyone else from connecting.
/// </summary>
public sealed class HubFloodTests
{
    [Fact]
    public async Task AFloodOfNegotiatesFromOneUserGets429WithRetryAfterWhileAnotherUserConnects()
    {
        await using var app = await StartAsync(new() { ["NewConnectionBurstPerUser"] = 5, ["NewConnectionsPerMinutePerUser"] = 1 });
        var flooder = app.Tokens.Mint(FocusSyncApp.NewUserId());
        using var http = app.CreateClient();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            responses.Add(await RawHub.NegotiateAsync(http, flooder));
        }

        Assert.All(responses.Take(5), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(responses.Skip(5), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        var refused = responses[^1];
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
        var detail = await ApiClient.AssertProblemDetailAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("Realtime:NewConnectionBurstPerUser", detail, StringComparison.Ordinal);
        responses.ForEach(r => r.Dispose());
        await AssertAnotherUserConnectsAsync(app);
    }

    [Fact]
    public async Task NewConnectionsFromOneAddressAreLimitedAcrossItsUsersButNotForOtherAddresses()
    {
        await using var app = await StartAsync(new()
        {
            ["NewConnectionBurstPerUser"] = 3,
            ["NewConnectionsPerMinutePerUser"] = 1,
            ["NewConnectionBurstPerAddress"] = 5,
            ["NewConnectionsPerMinutePerAddress"] = 2,
        });
        using var crowded = From(app, "198.51.100.7");
        using var elsewhere = From(app, "203.0.113.9");

        var first = await NegotiateManyAsync(crowded, app.Tokens.Mint(FocusSyncApp.NewUserId()), 3);
        var second = await NegotiateManyAsync(crowded, app.Tokens.Mint(FocusSyncApp.NewUserId()), 3);
        var third = await NegotiateManyAsync(crowded, app.Tokens.Mint(FocusSyncApp.NewUserId()), 1);
        var apart = await NegotiateManyAsync(elsewhere, app.Tokens.Mint(FocusSyncApp.NewUserId()), 3);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], first);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], second);
        Assert.Equal([HttpStatusCode.TooManyRequests], third);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], apart);
        using var refused = await RawHub.NegotiateAsync(crowded, app.Tokens.Mint(FocusSyncApp.NewUserId()));
        var detail = await ApiClient.AssertProblemDetailAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("Realtime:NewConnectionBurstPerAddress", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheAddressesOfOneIpv6Slash64ShareOneAllowance()
    {
        await using var app = await StartAsync(new()
        {
            ["NewConnectionBurstPerUser"] = 3,
            ["NewConnectionsPerMinutePerUser"] = 1,
            ["NewConnectionBurstPerAddress"] = 4,
            ["NewConnectionsPerMinutePerAddress"] = 2,
        });
        using var one = From(app, "2001:db8:1:2::1");
        using var sibling = From(app, "2001:db8:1:2:ffff::9");
        using var otherNetwork = From(app, "2001:db8:1:3::1");

        var first = await NegotiateManyAsync(one, app.Tokens.Mint(FocusSyncApp.NewUserId()), 3);
        var second = await NegotiateManyAsync(sibling, app.Tokens.Mint(FocusSyncApp.NewUserId()), 2);
        var third = await NegotiateManyAsync(otherNetwork, app.Tokens.Mint(FocusSyncApp.NewUserId()), 2);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], first);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], second);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], third);
    }

    [Fact]
    public async Task NegotiatedConnectionsThatNeverHandshakeAreCappedPerUserUntilTheyCompleteOrExpire()
    {
        await using var app = await StartAsync(new() { ["MaxPendingConnectionsPerUser"] = 3 });
        var registry = app.Services.GetRequiredService<HubConnectionRegistry>();
        var flooderUid = FocusSyncApp.NewUserId();
        var flooder = app.Tokens.Mint(flooderUid);
        using var http = app.CreateClient();
        var pending = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            pending.Add(await RawHub.NegotiateTokenAsync(http, flooder));
        }

        using (var refused = await RawHub.NegotiateAsync(http, flooder))
        {
            var detail = await ApiClient.AssertProblemDetailAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Contains("Realtime:MaxPendingConnectionsPerUser", detail, StringComparison.Ordinal);
            Assert.Equal(registry.PendingTimeout, refused.Headers.RetryAfter?.Delta);
        }

        await AssertAnotherUserConnectsAsync(app);

        // A completed handshake frees its place (once the hub has seen the connection, just after answering it).
        await RawHub.ConnectLongPollingAsync(http, flooder, negotiated: pending[0]);
        await WaitUntilAsync(() => registry.PendingCount(flooderUid) == 2);
        pending.Add(await RawHub.NegotiateTokenAsync(http, flooder));
        using (var full = await RawHub.NegotiateAsync(http, flooder))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
        }

        // Past the time SignalR keeps an unused connection, its place is free and its token is no longer accepted.
        app.Clock.Advance(registry.PendingTimeout);
        using (var stale = await RawHub.PollAsync(http, pending[1], flooder, TestContext.Current.CancellationToken))
        {
            await ApiClient.AssertProblemDetailAsync(stale, HttpStatusCode.NotFound);
        }

        for (var i = 0; i < 3; i++)
        {
            await RawHub.NegotiateTokenAsync(http, flooder);
        }
    }

    [Fact]
    public async Task PendingConnectionsAreCappedPerAddressAcrossItsUsersButNotForOtherAddresses()
    {
        await using var app = await StartAsync(new() { ["MaxPendingConnectionsPerUser"] = 2, ["MaxPendingConnectionsPerAddress"] = 3 });
        using var crowded = From(app, "198.51.100.7");
        using var elsewhere = From(app, "203.0.113.9");

        var first = await NegotiateManyAsync(crowded, app.Tokens.Mint(FocusSyncApp.NewUserId()), 2);
        var second = await NegotiateManyAsync(crowded, app.Tokens.Mint(FocusSyncApp.NewUserId()), 2);
        var apart = await NegotiateManyAsync(elsewhere, app.Tokens.Mint(FocusSyncApp.NewUserId()), 2);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], first);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], second);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], apart);
        using var refused = await RawHub.NegotiateAsync(crowded, app.Tokens.Mint(FocusSyncApp.NewUserId()));
        var detail = await ApiClient.AssertProblemDetailAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("Realtime:MaxPendingConnectionsPerAddress", detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// On real sockets: each handshake-less WebSocket holds a socket and a file handle. One user gets only their
    /// pending places, each closed after the handshake timeout; another user on the same address connects meanwhile.
    /// </summary>
    [Fact]
    public async Task HandshakelessWebSocketsAreCappedPerUserAndClosedAfterTheHandshakeTimeout()
    {
        await using var app = await StartAsync(new() { ["MaxPendingConnectionsPerUser"] = 3 }, realSockets: true, ("Realtime:HandshakeTimeout", "00:00:01"));
        var address = app.Address;
        var registry = app.Services.GetRequiredService<HubConnectionRegistry>();
        var flooderUid = FocusSyncApp.NewUserId();
        var flooder = app.Tokens.Mint(flooderUid);

        var silent = new List<ClientWebSocket>();
        for (var i = 0; i < 3; i++)
        {
            silent.Add(await OpenWebSocketAsync(address, flooder));
        }

        using var over = new ClientWebSocket();
        over.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => over.ConnectAsync(WebSocketUri(address, flooder), CancellationToken.None));
        Assert.Equal(HttpStatusCode.TooManyRequests, over.HttpStatusCode);

        var other = FocusSyncApp.NewUserId();
        await using (var tab = HubClients.HubClientAt(address, () => app.Tokens.Mint(other)))
        {
            await tab.Connection.StartAsync(TestContext.Current.CancellationToken);
            using var otherHttp = app.ClientFor(other);
            (await otherHttp.PostAsync("/groups", System.Net.Http.Json.JsonContent.Create(new { name = "heard" }), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            Assert.Equal("addGroup", (await tab.NextAsync()).Type());
        }

        // The default handshake timeout (15 s) would not close them within this wait.
        foreach (var socket in silent)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(8));
            Assert.True(await ClosedByServerAsync(socket, wait.Token), "the server did not close a handshake-less WebSocket");
            socket.Dispose();
        }

        await WaitUntilAsync(() => registry.PendingCount(flooderUid) == 0);
        using var again = await OpenWebSocketAsync(address, flooder);
    }

    private static Task<FocusSyncApp> StartAsync(Dictionary<string, int> limits, params (string Key, string Value)[] more) =>
        StartAsync(limits, realSockets: false, more);

    private static async Task<FocusSyncApp> StartAsync(Dictionary<string, int> limits, bool realSockets, params (string Key, string Value)[] more)
    {
        // Loose enough for every test to meet only the limit it is about.
        var settings = new Dictionary<string, string?>
        {
            ["Realtime:NewConnectionBurstPerUser"] = "10000",
            ["Realtime:NewConnectionsPerMinutePerUser"] = "100000",
            ["Realtime:NewConnectionBurstPerAddress"] = "100000",
            ["Realtime:NewConnectionsPerMinutePerAddress"] = "1000000",
            ["Realtime:MaxPendingConnectionsPerUser"] = "1000",
            ["Realtime:MaxPendingConnectionsPerAddress"] = "10000",
        };
        foreach (var (key, value) in limits)
        {
            settings["Realtime:" + key] = value.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return await FocusSyncApp.StartAsync(Db.Sqlite, new AppOptions { RealSockets = realSockets, Settings = settings });
    }

    /// <summary>A client of the in-memory server whose requests come from <paramref name="address"/>.</summary>
    private static HttpClient From(FocusSyncApp app, string address) =>
        new(app.Server.CreateHandler(context => context.Connection.RemoteIpAddress = IPAddress.Parse(address)))
        {
            BaseAddress = app.Server.BaseAddress,
        };

    private static async Task<List<HttpStatusCode>> NegotiateManyAsync(HttpClient http, string token, int count)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await RawHub.NegotiateAsync(http, token);
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static async Task AssertAnotherUserConnectsAsync(FocusSyncApp app)
    {
        using var other = app.ClientFor(FocusSyncApp.NewUserId());
        await using var tab = await app.ConnectHubAsync(other.Uid);
        await other.CreateGroupAsync("heard");
        Assert.Equal("addGroup", (await tab.NextAsync()).Type());
    }

    private static Uri WebSocketUri(Uri address, string token) =>
        new UriBuilder(address) { Scheme = "ws", Path = HubClients.HubPath, Query = $"access_token={token}" }.Uri;

    /// <summary>A WebSocket to the hub without negotiate that never sends the handshake.</summary>
    private static async Task<ClientWebSocket> OpenWebSocketAsync(Uri address, string token)
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(WebSocketUri(address, token), CancellationToken.None);
        return socket;
    }

    private static async Task<bool> ClosedByServerAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }

                // Before closing, the server says why; nothing else may arrive.
                Assert.Contains("Handshake", Encoding.UTF8.GetString(buffer, 0, received.Count), StringComparison.Ordinal);
            }
        }
        catch (WebSocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(HubClient.DefaultTimeout);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
