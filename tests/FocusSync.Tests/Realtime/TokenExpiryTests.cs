using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using FocusSync.Api.Auth;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Realtime;

/// <summary>A hub connection lives as long as the ID token it was opened with (docs/realtime.md, "Token expiry").</summary>
public sealed class TokenExpiryTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AConnectionIsClosedWhenItsTokenWouldBeRefusedWithAMessageToReconnectAndHearsNothingAfter(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var token = app.Tokens.Mint(user.Uid);
        var closesAt = ExpiryOf(token) + AuthExtensions.ClockSkew;
        await using var socket = await RawSocket.OpenAsync(app, token);

        // Past exp but within the skew the token is still accepted, and so the connection still hears events.
        app.Clock.SetUtcNow(closesAt - TimeSpan.FromSeconds(1));
        await user.CreateGroupAsync("just before");
        var heard = await socket.NextAsync();
        Assert.Equal(1, heard.GetProperty("type").GetInt32());
        Assert.Equal(("event", "addGroup"), (heard.GetProperty("target").GetString(), heard.GetProperty("arguments")[0].Type()));

        app.Clock.SetUtcNow(closesAt);
        var close = await socket.NextAsync();
        Assert.Equal($$"""{"type":7,"error":"{{TokenExpiry.Reason}}","allowReconnect":true}""", close.GetRawText());

        // A client that ignores the message and reads on hears no more of the user's changes: the server has ended it,
        // and whatever else it said on the way out does not forbid reconnecting (a client reading both obeys the last).
        await user.CreateGroupAsync("after the close");
        var (after, ended) = await socket.ReadUntilClosedAsync(HubClient.DefaultTimeout);
        Assert.True(ended, "the server left the connection open");
        Assert.DoesNotContain(after, m => m.GetProperty("type").GetInt32() == 1);
        Assert.All(after.Where(m => m.GetProperty("type").GetInt32() == 7), m => Assert.True(m.TryGetProperty("allowReconnect", out var allowed) && allowed.GetBoolean(), m.GetRawText()));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AClientThatReconnectsWithAFreshTokenHearsEventsAgain(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var closesAt = app.Clock.GetUtcNow() + TimeSpan.FromHours(1) + AuthExtensions.ClockSkew;
        await using var hub = await app.ConnectHubAsync(user.Uid);

        app.Clock.SetUtcNow(closesAt);
        var closed = await hub.ReconnectedAfterExpiryAsync();
        await user.CreateGroupAsync("heard again");

        Assert.Contains(TokenExpiry.Reason, closed.Message, StringComparison.Ordinal);
        Assert.Equal("addGroup", (await hub.NextAsync()).Type());
    }

    [Fact]
    public async Task ALongPollingConnectionGetsTheCloseMessageInItsPendingPollAtTheTokensExpiry()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        using var http = app.CreateClient();
        var uid = FocusSyncApp.NewUserId();
        var token = app.Tokens.Mint(uid);
        var closesAt = ExpiryOf(token) + AuthExtensions.ClockSkew;
        var id = await RawHub.ConnectLongPollingAsync(http, token);
        await EstablishedAsync(app, uid);
        var poll = RawHub.PollAsync(http, id, token, TestContext.Current.CancellationToken);

        app.Clock.SetUtcNow(closesAt - TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TimeoutException>(() => poll.WaitAsync(Quiet, TestContext.Current.CancellationToken));
        app.Clock.SetUtcNow(closesAt);
        using var answer = await poll.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);

        var close = (await RawHub.MessagesAsync(answer))[0];
        Assert.Equal($$"""{"type":7,"error":"{{TokenExpiry.Reason}}","allowReconnect":true}""", close.GetRawText());
    }

    [Fact]
    public async Task AServerSentEventsConnectionIsClosedAtTheTokensExpiryAndItsClientReconnects()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var closesAt = app.Clock.GetUtcNow() + TimeSpan.FromHours(1) + AuthExtensions.ClockSkew;
        await using var hub = await app.ConnectHubAsync(user.Uid, HttpTransportType.ServerSentEvents);
        await EstablishedAsync(app, user.Uid);

        app.Clock.SetUtcNow(closesAt - TimeSpan.FromSeconds(1));
        Assert.False(await hub.WaitForReconnectAsync(Quiet), "closed before the token would be refused");
        app.Clock.SetUtcNow(closesAt);
        await hub.ReconnectedAfterExpiryAsync();
        await user.CreateGroupAsync("heard again");

        Assert.Equal("addGroup", (await hub.NextAsync()).Type());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AConnectionWithALaterTokenStaysOpenWhenAnotherConnectionsTokenExpires(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var earlyClosesAt = app.Clock.GetUtcNow() + TimeSpan.FromHours(1) + AuthExtensions.ClockSkew;
        await using var early = await app.ConnectHubAsync(user.Uid);
        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await using var later = await app.ConnectHubAsync(user.Uid);

        app.Clock.SetUtcNow(earlyClosesAt);
        await early.ReconnectedAfterExpiryAsync();
        await user.CreateGroupAsync("both hear it");

        Assert.Equal("addGroup", (await later.NextAsync()).Type());
        Assert.False(await later.WaitForReconnectAsync(Quiet), "the later connection was closed too");
        Assert.False(later.Closed.IsCompleted, "the later connection was closed too");
    }

    /// <summary>
    /// Waits until the gate counts the user's connections as past their handshake, which it learns just after answering
    /// it: moving the clock on before that would expire them as connections that never completed one.
    /// </summary>
    private static async Task EstablishedAsync(FocusSyncApp app, string uid)
    {
        var registry = app.Services.GetRequiredService<HubConnectionRegistry>();
        using var timeout = new CancellationTokenSource(HubClient.DefaultTimeout);
        while (registry.PendingCount(uid) > 0)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private static DateTimeOffset ExpiryOf(string token) =>
        DateTimeOffset.FromUnixTimeSeconds((long)TestTokens.Decode(token).Payload["exp"]!);

    /// <summary>A WebSocket speaking SignalR's JSON protocol by hand, so that it can ignore a close message and read on.</summary>
    private sealed class RawSocket(WebSocket socket) : IAsyncDisposable
    {
        private readonly Queue<JsonElement> _messages = [];
        private readonly StringBuilder _partial = new();
        private readonly Decoder _utf8 = Encoding.UTF8.GetDecoder();

        /// <summary>A connection of <paramref name="token"/>'s user, opened without negotiate, past its handshake.</summary>
        public static async Task<RawSocket> OpenAsync(FocusSyncApp app, string token)
        {
            var client = app.Server.CreateWebSocketClient();
            client.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {token}";
            var uri = new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = HubClients.HubPath }.Uri;
            var socket = await client.ConnectAsync(uri, TestContext.Current.CancellationToken);
            await socket.SendAsync(Encoding.UTF8.GetBytes(RawHub.Handshake), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
            var raw = new RawSocket(socket);
            Assert.Equal("{}", (await raw.NextAsync()).GetRawText());
            return raw;
        }

        /// <summary>The next message other than a ping.</summary>
        public async Task<JsonElement> NextAsync()
        {
            using var cts = new CancellationTokenSource(HubClient.DefaultTimeout);
            while (true)
            {
                if (_messages.TryDequeue(out var message))
                {
                    if (message.TryGetProperty("type", out var type) && type.GetInt32() == 6)
                    {
                        continue;
                    }

                    return message;
                }

                if (!await ReceiveAsync(cts.Token))
                {
                    throw new InvalidOperationException("The server closed the socket before the next message.");
                }
            }
        }

        /// <summary>Every message until the server closes the socket, and whether it did so within <paramref name="timeout"/>.</summary>
        public async Task<(List<JsonElement> Messages, bool Closed)> ReadUntilClosedAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            var closed = false;
            try
            {
                while (await ReceiveAsync(cts.Token))
                {
                }

                closed = true;
            }
            catch (OperationCanceledException)
            {
            }

            return ([.. _messages], closed);
        }

        public ValueTask DisposeAsync()
        {
            socket.Abort();
            socket.Dispose();
            return ValueTask.CompletedTask;
        }

        /// <summary>Reads one frame and queues the messages it completes; false once the server has closed the socket.</summary>
        private async Task<bool> ReceiveAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[4096];
            WebSocketReceiveResult frame;
            try
            {
                frame = await socket.ReceiveAsync(buffer, cancellationToken);
            }
            catch (WebSocketException)
            {
                return false;
            }

            if (frame.MessageType == WebSocketMessageType.Close)
            {
                return false;
            }

            var chars = new char[_utf8.GetCharCount(buffer, 0, frame.Count)];
            _partial.Append(chars, 0, _utf8.GetChars(buffer, 0, frame.Count, chars, 0));
            var text = _partial.ToString();
            var end = text.LastIndexOf(RawHub.RecordSeparator);
            if (end >= 0)
            {
                foreach (var record in text[..end].Split(RawHub.RecordSeparator))
                {
                    _messages.Enqueue(JsonDocument.Parse(record).RootElement.Clone());
                }

                _partial.Remove(0, end + 1);
            }

            return true;
        }
    }
}
