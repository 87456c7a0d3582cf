using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Realtime;

public sealed class EventDeliveryTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EveryKindOfChangeReachesEachConnectionOfItsUserExactlyOnce(Db db)
    {
        var app = await apps.ForAsync(db);
        using var alice = app.ClientFor(FocusSyncApp.NewUserId());
        using var bob = app.ClientFor(FocusSyncApp.NewUserId());
        // Bob's day must not end while the test moves the clock to Alice's day end.
        await bob.ChangeSettingsAsync(new SettingsChanges(TimeZone: "Etc/GMT+12", ResetTime: "23:59"));
        var seq = await alice.SeqAsync();
        var bobSeq = await bob.SeqAsync();
        var alices = await ConnectAsync(app, alice.Uid, 3, HubClients.LongLivedTokens);
        var bobs = await ConnectAsync(app, bob.Uid, 3, HubClients.LongLivedTokens);

        async Task<List<JsonElement>> Expect(params string[] types)
        {
            List<JsonElement> first = [];
            foreach (var connection in alices)
            {
                var events = await connection.NextAsync(types.Length);
                Assert.Equal(types, events.Select(e => e.Type()));
                Assert.Equal(Enumerable.Range(1, types.Length).Select(i => seq + i), events.Select(e => e.Seq()));
                first = first.Count == 0 ? events : first;
            }

            seq += types.Length;
            return first;
        }

        var group = await alice.CreateGroupAsync("Deep work");
        var groupId = group.Id;
        Assert.Equal(groupId, (await Expect("addGroup"))[0].GetProperty("group").GetProperty("id").GetInt64());
        await alice.EditGroupAsync(groupId, "Deeper work");
        Assert.Equal("Deeper work", (await Expect("editGroup"))[0].GetProperty("group").GetProperty("name").GetString());

        var first = (await alice.CreateSessionAsync("Write", duration: 60, groupId: groupId)).Id;
        await Expect("addSession");
        var second = (await alice.CreateSessionAsync("Read")).Id;
        await Expect("addSession");

        await alice.ActAsync(first, "start");
        await Expect("start");

        // singleRunning: starting the second pauses the first in the same change set, with consecutive seqs.
        await alice.ActAsync(second, "start");
        var switched = await Expect("pause", "start");
        Assert.Equal(first, switched[0].GetProperty("session").GetProperty("id").GetInt64());
        Assert.Equal(second, switched[1].GetProperty("session").GetProperty("id").GetInt64());

        app.Clock.Advance(TimeSpan.FromSeconds(5));
        await alice.ActAsync(second, "pause");
        await Expect("pause");
        await alice.EditSessionAsync(second, new SessionChanges(Title: "Read slowly"));
        await Expect("editSession");
        await alice.ActAsync(second, "reset");
        await Expect("resetSession");
        await alice.ActAsync(first, "start");
        await Expect("start");
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        await alice.ResetAllAsync();
        Assert.Equal(2, (await Expect("resetAll"))[0].GetProperty("sessions").GetArrayLength());
        await alice.ChangeSettingsAsync(new SettingsChanges(TimeZone: "Europe/Berlin"));
        Assert.Equal("Europe/Berlin", (await Expect("autoResetTimeChange"))[0].GetProperty("user").GetProperty("timeZone").GetString());

        // complete and autoReset come from the due-work job: only the clock moves.
        await alice.ActAsync(first, "start");
        await Expect("start");
        await Advance(app, TimeSpan.FromSeconds(60), alices[0]);
        await Expect("complete");
        var dayEnd = (await alice.MeAsync()).CurrentDayEndsAtMs;
        await Advance(app, TimeSpan.FromMilliseconds(dayEnd - app.Clock.GetUtcNow().ToUnixTimeMilliseconds()), alices[0]);
        await Expect("autoReset");

        await alice.DeleteSessionAsync(second);
        Assert.Equal(second, (await Expect("deleteSession"))[0].GetProperty("sessionId").GetInt64());
        await alice.DeleteGroupAsync(groupId);
        var deleted = (await Expect("deleteGroup"))[0];
        Assert.Equal(groupId, deleted.GetProperty("groupId").GetInt64());

        // The ungrouped session's new version arrives with the event, so a client's next If-Match holds.
        var ungrouped = Assert.Single(deleted.GetProperty("sessions").EnumerateArray());
        var stored = (await alice.ListAsync()).Sessions.Single(s => s.Id == first);
        Assert.Equal(first, ungrouped.GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Null, ungrouped.GetProperty("groupId").ValueKind);
        Assert.Equal(stored.Version, ungrouped.GetProperty("version").GetInt32());

        // Sends to one connection keep their order, so a stray event would arrive before these markers.
        await alice.CreateGroupAsync("marker");
        await Expect("addGroup");
        await bob.CreateGroupAsync("marker");
        foreach (var connection in bobs)
        {
            var only = await connection.NextAsync();
            Assert.Equal(("addGroup", bobSeq + 1), (only.Type(), only.Seq()));
        }

        await DisposeAllAsync(alices, bobs);
    }

    [Fact]
    public async Task EventsFollowAUsersConnectionsAsTheyComeAndGo()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var first = await app.ConnectHubAsync(user.Uid);
        var second = await app.ConnectHubAsync(user.Uid);

        await user.CreateGroupAsync("both");
        Assert.Equal("addGroup", (await first.NextAsync()).Type());
        Assert.Equal("addGroup", (await second.NextAsync()).Type());
        await first.DisposeAsync();
        await user.CreateGroupAsync("second only");
        Assert.Equal("second only", (await second.NextAsync()).GetProperty("group").GetProperty("name").GetString());

        // The user's last connection gone, then a new one: it must be found as the first was.
        await second.DisposeAsync();
        await user.CreateGroupAsync("no one");
        await using var third = await app.ConnectHubAsync(user.Uid);
        await user.CreateGroupAsync("third");
        Assert.Equal("third", (await third.NextAsync()).GetProperty("group").GetProperty("name").GetString());
        Assert.False(await third.WaitForEventAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACountdownCompletesWithinOneSecondOfItsTargetWithNoRequestMade(Db db)
    {
        var app = await apps.ForAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        await using var hub = await app.ConnectHubAsync(user.Uid);
        var id = (await user.CreateSessionAsync("Focus", duration: 90)).Id;
        var target = (await user.ActAsync(id, "start")).TargetTimeMs!.Value;
        await hub.NextAsync(2);

        app.Clock.Advance(TimeSpan.FromMilliseconds(target - app.Clock.GetUtcNow().ToUnixTimeMilliseconds()));
        await AwaitWhileStepping(app, hub, TimeSpan.FromSeconds(1));
        var complete = await hub.NextAsync();

        Assert.Equal("complete", complete.Type());
        Assert.InRange(complete.GetProperty("serverTimeMs").GetInt64() - target, 0, 1000);
        var session = complete.GetProperty("session");
        Assert.Equal(("PAUSED", true, 0.0, 90.0), (
            session.GetProperty("state").GetString(), session.GetProperty("isCompleted").GetBoolean(),
            session.GetProperty("timeLeft").GetDouble(), session.GetProperty("focusSeconds").GetDouble()));
    }

    internal static async Task<List<HubClient>> ConnectAsync(FocusSyncApp app, string uid, int count, TimeSpan? tokenLifetime = null)
    {
        var clients = new List<HubClient>();
        for (var i = 0; i < count; i++)
        {
            clients.Add(await app.ConnectHubAsync(uid, tokenLifetime: tokenLifetime));
        }

        return clients;
    }

    /// <summary>Moves the clock on by <paramref name="by"/>, then waits for the due-work job's event (see <see cref="AwaitWhileStepping"/>).</summary>
    internal static async Task Advance(FocusSyncApp app, TimeSpan by, HubClient watcher)
    {
        app.Clock.Advance(by);
        await AwaitWhileStepping(app, watcher, TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Waits until <paramref name="watcher"/> has an unread event, moving the clock on in 100 ms steps for
    /// at most <paramref name="limit"/> of clock time (the due-work job may arm its timer just after the test
    /// moved the clock); fails if the event needed more clock time than that.
    /// </summary>
    internal static async Task AwaitWhileStepping(FocusSyncApp app, HubClient watcher, TimeSpan limit)
    {
        var step = TimeSpan.FromMilliseconds(100);
        for (var moved = TimeSpan.Zero; !await watcher.WaitForEventAsync(TimeSpan.FromMilliseconds(250)); moved += step)
        {
            Assert.True(moved < limit, $"No event within {limit.TotalSeconds} s of clock time.");
            app.Clock.Advance(step);
        }
    }

    private static async Task DisposeAllAsync(params List<HubClient>[] groups)
    {
        foreach (var client in groups.SelectMany(g => g))
        {
            await client.DisposeAsync();
        }
    }
}
