using System.Net.Http.Json;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FocusSync.Tests.Realtime;

/// <summary>What a hub client is told when its instance begins to stop, with either of the hub's lifetime managers.</summary>
public sealed class HubShutdownTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StoppingTheHostClosesAHubConnectionWithTheShutdownReason(bool redisBackplane)
    {
        var settings = new Dictionary<string, string?>();
        if (redisBackplane)
        {
            settings["Redis:Connection"] = TestServices.RequireRedis();
            settings["Redis:ChannelPrefix"] = "focussync-test-" + Guid.NewGuid().ToString("N");
        }

        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, settings);
        var uid = FocusSyncApp.NewUserId();
        await using var hub = await app.ConnectHubAsync(uid);
        // An event reaching the client shows the lifetime manager has taken the connection in (with Redis, that
        // finishes after the handshake the client waited for).
        using var client = app.ClientFor(uid);
        (await client.PostAsJsonAsync("/groups", new { name = "probe" }, cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        Assert.Equal("addGroup", (await hub.NextAsync()).Type());

        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var error = await hub.Closed.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Contains(HubShutdown.Reason, error?.Message, StringComparison.Ordinal);
    }
}
