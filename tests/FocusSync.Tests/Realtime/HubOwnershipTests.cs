using System.Net;
using FocusSync.Tests.Hardening;
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
        using var victim = new UserApi(app, FocusSyncApp.NewUserId());
        var victimToken = app.Tokens.Mint(victim.Uid);
        var intruderToken = app.Tokens.Mint(FocusSyncApp.NewUserId());
        using var http = app.CreateClient();
        var id = await RawHub.ConnectLongPollingAsync(http, victimToken);

        await victim.CreateGroupAsync("private plans");
        using var stolen = await RawHub.PollAsync(http, id, intruderToken);

        var body = await stolen.Content.ReadAsStringAsync();
        Assert.DoesNotContain("private plans", body, StringComparison.Ordinal);
        await HardeningKit.AssertProblemAsync(stolen, HttpStatusCode.NotFound);
        using var own = await RawHub.PollAsync(http, id, victimToken);
        var events = await RawHub.MessagesAsync(own);
        Assert.Contains(events, m => m.GetProperty("type").GetInt32() == 1
            && m.GetProperty("arguments")[0].GetProperty("group").GetProperty("name").GetString() == "private plans");
    }
}
