using System.Net;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Infrastructure;
using FocusSync.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Account;

public sealed class AccountClosureTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DeletingTheAccountClosesItsConnectionsSayingSoWithoutReconnectingAndLeavesOthersOpen()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        using var http = app.CreateClient();
        var uid = FocusSyncApp.NewUserId();
        await using var hub = await app.ConnectHubAsync(uid);
        await using var bystander = await app.ConnectHubAsync(FocusSyncApp.NewUserId());
        var token = app.Tokens.Mint(uid);
        var id = await RawHub.ConnectLongPollingAsync(http, token);
        await WaitUntilTrackedAsync(app, uid);
        var poll = RawHub.PollAsync(http, id, token, TestContext.Current.CancellationToken);

        await app.ClientFor(uid).Api.DeleteAccountAsync(TestContext.Current.CancellationToken);

        using var answer = await poll.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);
        var close = (await RawHub.MessagesAsync(answer))[0];
        Assert.Equal($$"""{"type":7,"error":"{{AccountClosure.Reason}}"}""", close.GetRawText());
        var closed = await hub.Closed.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Contains(AccountClosure.Reason, closed?.Message, StringComparison.Ordinal);
        Assert.False(bystander.Closed.IsCompleted, "another user's connection was closed");
    }

    [Fact]
    public async Task ADeletionOnOneInstanceClosesTheAccountsConnectionsOnTheOther()
    {
        TestServices.RequireRedis();
        await using var database = await TestDatabase.CreateAsync(Db.Postgres);
        await using var first = Start(database);
        await using var second = Start(database);
        var uid = FocusSyncApp.NewUserId();
        await using var hub = await first.ConnectHubAsync(uid);
        await using var bystander = await first.ConnectHubAsync(FocusSyncApp.NewUserId());
        await WaitUntilTrackedAsync(first, uid);

        await second.ClientFor(uid).Api.DeleteAccountAsync(TestContext.Current.CancellationToken);

        var closed = await hub.Closed.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Contains(AccountClosure.Reason, closed?.Message, StringComparison.Ordinal);
        Assert.False(bystander.Closed.IsCompleted, "another user's connection was closed");
    }

    private static FocusSyncApp Start(TestDatabase database) =>
        FocusSyncApp.Start(database, Now, new Dictionary<string, string?>
        {
            ["Redis:Connection"] = TestServices.RequireRedis(),
            ["Redis:ChannelPrefix"] = "focussync-test-" + database.ConnectionString.GetHashCode(StringComparison.Ordinal),
        });

    /// <summary>Waits until every connection of the user on the instance is past its handshake, so the hub knows it as the user's.</summary>
    private static async Task WaitUntilTrackedAsync(FocusSyncApp app, string uid)
    {
        var registry = app.Services.GetRequiredService<HubConnectionRegistry>();
        using var timeout = new CancellationTokenSource(HubClient.DefaultTimeout);
        while (registry.PendingCount(uid) > 0)
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
