using System.Net;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Realtime;

/// <summary>
/// Every request of a connection after negotiate carries its connection token in <c>?id=</c>; each must
/// come from the user who negotiated it, whatever the transport.
/// </summary>
public sealed class HubOwnershipTests(Apps apps) : IClassFixture<Apps>
{
    [Fact]
    public async Task AnotherUsersPollOnALongPollingConnectionGetsNoneOfItsEvents()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var victim = app.ClientFor(FocusSyncApp.NewUserId());
        var victimToken = app.Tokens.Mint(victim.Uid);
        var intruderToken = app.Tokens.Mint(FocusSyncApp.NewUserId());
        using var http = app.CreateClient();
        var id = await RawHub.ConnectLongPollingAsync(http, victimToken);

        await victim.CreateGroupAsync("private plans");
        using var stolen = await RawHub.PollAsync(http, id, intruderToken, TestContext.Current.CancellationToken);

        var body = await stolen.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain("private plans", body, StringComparison.Ordinal);
        await ApiClient.AssertProblemDetailAsync(stolen, HttpStatusCode.NotFound);
        Assert.Contains("private plans", await NextEventBodyAsync(http, id, victimToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherUsersSendsAndDeleteOnALongPollingConnectionAreRefusedAndLeaveItOpen()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var victim = app.ClientFor(FocusSyncApp.NewUserId());
        var victimToken = app.Tokens.Mint(victim.Uid);
        var intruderToken = app.Tokens.Mint(FocusSyncApp.NewUserId());
        using var http = app.CreateClient();
        var id = await RawHub.ConnectLongPollingAsync(http, victimToken);

        // A close message would end the victim's connection; DELETE would end it too.
        using var send = await RawHub.SendAsync(http, id, intruderToken, "{\"type\":7}" + RawHub.RecordSeparator);
        using var delete = await RawHub.DeleteAsync(http, id, intruderToken);

        await ApiClient.AssertProblemDetailAsync(send, HttpStatusCode.NotFound);
        await ApiClient.AssertProblemDetailAsync(delete, HttpStatusCode.NotFound);
        await victim.CreateGroupAsync("still mine");
        Assert.Contains("still mine", await NextEventBodyAsync(http, id, victimToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WebSockets")]
    [InlineData("ServerSentEvents")]
    [InlineData("LongPolling")]
    public async Task AnotherUserCannotStartANegotiatedConnectionOnAnyTransport(string transport)
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var victim = app.ClientFor(FocusSyncApp.NewUserId());
        var victimToken = app.Tokens.Mint(victim.Uid);
        var intruderToken = app.Tokens.Mint(FocusSyncApp.NewUserId());
        using var http = app.CreateClient();
        var id = await RawHub.NegotiateTokenAsync(http, victimToken);

        var status = await StartAsIntruderAsync(app, http, transport, id, intruderToken);

        Assert.Equal(HttpStatusCode.NotFound, status);
        await RawHub.ConnectLongPollingAsync(http, victimToken, negotiated: id);
        await victim.CreateGroupAsync("the victim's own");
        Assert.Contains("the victim's own", await NextEventBodyAsync(http, id, victimToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NegotiateVersionZeroIsRefusedBecauseItsConnectionTokenIsThePublicConnectionId()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var http = app.ClientFor(FocusSyncApp.NewUserId());

        using var negotiate = await http.PostAsync($"{HubClients.HubPath}/negotiate", null, TestContext.Current.CancellationToken);

        var body = await negotiate.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"error\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("connectionId", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherUsersConnectionIdGetsTheSameAnswerAsOneThatDoesNotExist()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        var intruderToken = app.Tokens.Mint(FocusSyncApp.NewUserId());
        using var http = app.CreateClient();
        var id = await RawHub.NegotiateTokenAsync(http, app.Tokens.Mint(FocusSyncApp.NewUserId()));

        using var someonesElse = await RawHub.PollAsync(http, id, intruderToken, TestContext.Current.CancellationToken);
        using var nobodys = await RawHub.PollAsync(http, "no-such-connection", intruderToken, TestContext.Current.CancellationToken);

        Assert.Equal(
            await ApiClient.AssertProblemDetailAsync(nobodys, HttpStatusCode.NotFound),
            await ApiClient.AssertProblemDetailAsync(someonesElse, HttpStatusCode.NotFound));
    }

    /// <summary>Polls until a poll brings an invocation; returns that poll's body.</summary>
    private static async Task<string> NextEventBodyAsync(HttpClient http, string id, string token)
    {
        using var timeout = new CancellationTokenSource(HubClient.DefaultTimeout);
        while (true)
        {
            using var poll = await RawHub.PollAsync(http, id, token, timeout.Token);
            Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
            var messages = await RawHub.MessagesAsync(poll);
            if (messages.Any(m => m.GetProperty("type").GetInt32() == 1))
            {
                return string.Join(RawHub.RecordSeparator, messages.Select(m => m.GetRawText()));
            }
        }
    }

    private static async Task<HttpStatusCode> StartAsIntruderAsync(FocusSyncApp app, HttpClient http, string transport, string id, string token)
    {
        switch (transport)
        {
            case "WebSockets":
                var sockets = app.Server.CreateWebSocketClient();
                sockets.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {token}";
                var uri = new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = HubClients.HubPath, Query = $"id={id}" }.Uri;
                try
                {
                    using var socket = await sockets.ConnectAsync(uri, CancellationToken.None);
                    return HttpStatusCode.SwitchingProtocols;
                }
                catch (InvalidOperationException refused) when (refused.Message.Contains("404", StringComparison.Ordinal))
                {
                    return HttpStatusCode.NotFound;
                }

            case "ServerSentEvents":
                using (var cancel = new CancellationTokenSource())
                {
                    using var stream = await RawHub.EventStreamAsync(http, id, token, cancel.Token);
                    await cancel.CancelAsync();
                    return stream.StatusCode;
                }

            default:
                using (var poll = await RawHub.PollAsync(http, id, token))
                {
                    return poll.StatusCode;
                }
        }
    }
}
