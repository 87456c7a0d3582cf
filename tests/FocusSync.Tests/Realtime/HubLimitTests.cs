using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FocusSync.Tests.Realtime;

public sealed class HubLimitTests(Apps apps) : IClassFixture<Apps>
{
    [Fact]
    public async Task AMessageOverTheHubSizeLimitClosesOnlyThatConnection()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var user = new UserApi(app, FocusSyncApp.NewUserId());
        await using var flooder = await app.ConnectHubAsync(user.Uid);
        await using var neighbour = await app.ConnectHubAsync(user.Uid);

        await flooder.Connection.SendAsync("anything", new string('x', 8 * 1024));
        var closed = await flooder.Closed.WaitAsync(HubClient.DefaultTimeout);

        Assert.NotNull(closed);
        await user.CreateSessionAsync();
        Assert.Equal("addSession", (await neighbour.NextAsync()).Type());
    }

    [Fact]
    public async Task InProductionTheHubSendsNoDetailedErrors()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        await using var production = app.WithWebHostBuilder(host => host.UseEnvironment("Production"));

        var hub = production.Services.GetRequiredService<IOptions<HubOptions>>().Value;

        Assert.False(hub.EnableDetailedErrors);
        Assert.Equal(4096, hub.MaximumReceiveMessageSize);
    }
}
