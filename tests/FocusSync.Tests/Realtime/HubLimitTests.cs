using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace FocusSync.Tests.Realtime;

public sealed class HubLimitTests(Apps apps) : IClassFixture<Apps>
{
    [Fact]
    public async Task AMessageOverTheHubSizeLimitClosesOnlyThatConnection()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        await using var flooder = await app.ConnectHubAsync(user.Uid);
        await using var neighbour = await app.ConnectHubAsync(user.Uid);

        await flooder.Connection.SendAsync("anything", new string('x', 8 * 1024), cancellationToken: TestContext.Current.CancellationToken);
        var closed = await flooder.Closed.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);

        Assert.NotNull(closed);
        await user.CreateSessionAsync();
        Assert.Equal("addSession", (await neighbour.NextAsync()).Type());
    }
}
