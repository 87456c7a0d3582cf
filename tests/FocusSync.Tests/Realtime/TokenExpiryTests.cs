using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using FocusSync.Api.Auth;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;

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

        // A client that ignores the message and reads on hears no more of the user's changes: the server has ended it.
        await user.CreateGroupAsync("after the close");
        var (after, ended) = await socket.ReadUntilClosedAsync(HubClient.DefaultTimeout);
        Assert.True(ended, "the server left the connection open");
        Assert.DoesNotContain(after, m => m.GetProperty("type").GetInt32() == 1);
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

    [Theory]
    [InlineData(HttpTransportType.ServerSentEvents)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task EveryTransportIsClosedAtTheTokensExpiry(HttpTransportType transport)
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var closesAt = app.Clock.GetUtcNow() + TimeSpan.FromHours(1) + AuthExtensions.ClockSkew;
        await using var hub = await app.ConnectHubAsync(user.Uid, transport);

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
