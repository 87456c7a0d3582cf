using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using FocusSync.Tests.Realtime;

namespace FocusSync.Tests.Changes;

public sealed class DueWorkJobTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AutoResetArrivesAtAUserDayBoundaryThatSpringForwardMoved(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2027, 3, 13, 12, 0, 0, TimeSpan.Zero));
        using var user = app.ClientFor(FocusSyncApp.NewUserId());

        // 02:30 does not exist in New York on 2027-03-14, so the day ends at the first instant after the gap: 03:00 EDT.
        var me = await user.ChangeSettingsAsync(new SettingsChanges(TimeZone: "America/New_York", ResetTime: "02:30"));
        var boundary = new DateTimeOffset(2027, 3, 14, 7, 0, 0, TimeSpan.Zero);
        Assert.Equal(boundary.ToUnixTimeMilliseconds(), me.CurrentDayEndsAtMs);
        var id = (await user.CreateSessionAsync("Focus", duration: 86400)).Id;
        app.Clock.SetUtcNow(boundary.AddHours(-2));
        await user.ActAsync(id, "start");
        await using var hub = await app.ConnectHubAsync(user.Uid, tokenLifetime: HubClients.LongLivedTokens);

        app.Clock.SetUtcNow(boundary.AddSeconds(-1));
        await user.CreateGroupAsync("before the boundary");
        Assert.Equal("addGroup", (await hub.NextAsync()).Type());

        app.Clock.SetUtcNow(boundary);
        await EventDeliveryTests.AwaitWhileStepping(app, hub, TimeSpan.FromSeconds(1));
        var reset = await hub.NextAsync();

        Assert.Equal("autoReset", reset.Type());
        var session = Assert.Single(reset.GetProperty("sessions").EnumerateArray());
        Assert.Equal(("PAUSED", 86400.0, 0.0), (
            session.GetProperty("state").GetString(), session.GetProperty("timeLeft").GetDouble(), session.GetProperty("focusSeconds").GetDouble()));
        Assert.Equal(
            new DateTimeOffset(2027, 3, 15, 6, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            (await user.MeAsync()).CurrentDayEndsAtMs);
    }
}
