using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Realtime;

public sealed class SlowClientTests
{
    /// <summary>
    /// Needs a real socket: the in-memory test server buffers without limit, so nothing would ever wait.
    /// The frozen client does the handshake and then never reads; once its socket buffers are full, each
    /// send to it waits, and the server must neither make anyone else wait too nor keep it for long.
    /// </summary>
    [Fact]
    public async Task AClientThatStopsReadingDelaysNoOneElseAndIsDropped()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new AppOptions
        {
            RealSockets = true,
            Settings = new Dictionary<string, string?> { ["Realtime:SendTimeout"] = "00:00:02" },
        });
        var address = app.Address;
        var alice = FocusSyncApp.NewUserId();
        var bob = FocusSyncApp.NewUserId();
        using var aliceHttp = app.ClientFor(alice);
        using var bobHttp = app.ClientFor(bob);
        using var frozen = await ConnectFrozenAsync(address, app.Tokens.Mint(alice));
        await using var aliceTab = HubClients.HubClientAt(address, () => app.Tokens.Mint(alice));
        await using var bobTab = HubClients.HubClientAt(address, () => app.Tokens.Mint(bob));
        await aliceTab.Connection.StartAsync(TestContext.Current.CancellationToken);
        await bobTab.Connection.StartAsync(TestContext.Current.CancellationToken);
        var cap = app.Services.GetRequiredService<ConnectionCap>();
        Assert.Equal(2, cap.Count(alice));

        // Large events: every reset-all carries all 150 sessions with long titles (about 100 kB).
        var ids = new List<long>();
        for (var i = 0; i < 150; i++)
        {
            var created = await aliceHttp.PostAsJsonAsync("/sessions", new { title = new string('t', 200), initialDuration = 600, dailyGoalMinutes = 60 }, cancellationToken: TestContext.Current.CancellationToken);
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken)).GetProperty("id").GetInt64());
        }

        await aliceTab.NextAsync(ids.Count);
        var slowestRequest = TimeSpan.Zero;
        for (var round = 0; round < 120; round++)
        {
            var watch = Stopwatch.StartNew();
            (await aliceHttp.PostAsync($"/sessions/{ids[round % ids.Count]}/actions/start", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            (await aliceHttp.PostAsync("/sessions/actions/reset-all", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            slowestRequest = watch.Elapsed > slowestRequest ? watch.Elapsed : slowestRequest;
            await aliceTab.NextAsync(2);
        }

        // Alice's own requests never waited for her frozen tab (the send timeout alone would be 2 s).
        Assert.InRange(slowestRequest, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        foreach (var (http, tab) in new[] { (bobHttp, bobTab), (aliceHttp, aliceTab) })
        {
            var watch = Stopwatch.StartNew();
            (await http.PostAsJsonAsync("/groups", new { name = "probe" }, cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            var answered = watch.Elapsed;
            Assert.Equal("addGroup", (await tab.NextAsync()).Type());
            Assert.InRange(watch.Elapsed - answered, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        }

        using var dropped = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (cap.Count(alice) > 1)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), dropped.Token);
        }
    }

    /// <summary>A raw WebSocket that completes the SignalR handshake and then stops reading.</summary>
    private static async Task<ClientWebSocket> ConnectFrozenAsync(Uri address, string token)
    {
        var socket = new ClientWebSocket();
        var uri = new UriBuilder(address) { Scheme = "ws", Path = HubClients.HubPath, Query = $"access_token={token}" }.Uri;
        await socket.ConnectAsync(uri, CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var handshake = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("{}\u001e", Encoding.UTF8.GetString(buffer, 0, handshake.Count));
        return socket;
    }
}
