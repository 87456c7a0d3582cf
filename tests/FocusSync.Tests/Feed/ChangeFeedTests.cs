using System.Net;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Feed;

/// <summary>GET /changes: the events after a seq, each exactly what the hub sent, or a 410 when they are no longer there.</summary>
public sealed class ChangeFeedTests(Apps apps) : IClassFixture<Apps>
{
    public static TheoryData<Db, string, string> BadQueries => Databases.Each(
    [
        ("", "since"),
        ("since=", "since"),
        ("since=-1", "since"),
        ("since=abc", "since"),
        ("since=1.5", "since"),
        ("since=%2B1", "since"),
        ("since=99999999999999999999", "since"),
        ("since=1&since=2", "since"),
        ("since=0&limit=0", "limit"),
        ("since=0&limit=1001", "limit"),
        ("since=0&limit=-5", "limit"),
        ("since=0&limit=ten", "limit"),
        ("since=0&limit=2.0", "limit"),
        ("since=0&limit=1&limit=2", "limit"),
    ]);

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EveryEventTheHubSentIsTheFeedsEventAtItsSeqByteForByte(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var start = await user.SeqAsync();
        await using var hub = await app.ConnectHubAsync(user.Uid, tokenLifetime: HubClients.LongLivedTokens);
        var sent = new List<JsonElement>();
        async Task Receive() => sent.AddRange(await hub.NextAsync((int)(await user.SeqAsync() - start - sent.Count)));

        // Text that escapes differently under different JSON encoders: the feed must write it as the hub does.
        var group = (await user.CreateGroupAsync("Deep <work> & \"focus\"")).Id;
        await user.EditGroupAsync(group, "Tiefe Arbeit — 集中 ✍️ 'now'");
        var first = (await user.CreateSessionAsync("Écrire <b>&amp;</b> +1", duration: 60, groupId: group)).Id;
        var second = (await user.CreateSessionAsync("Read 📚 \\ \u00a0")).Id;
        await user.StartAsync(first);
        await user.StartAsync(second);
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        await user.PauseAsync(second);
        await user.EditSessionAsync(second, new SessionChanges(Title: "Read slowly"));
        await user.ActAsync(second, "reset");
        await user.StartAsync(first);
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        await user.ResetAllAsync();
        await user.ChangeSettingsAsync(new SettingsChanges(TimeZone: "Europe/Berlin"));
        await user.StartAsync(first);
        var dayEnd = (await user.MeAsync()).CurrentDayEndsAtMs;
        await Receive();

        // complete and autoReset come from the background timekeeper: only the clock moves.
        await app.AdvanceUntilEventAsync(TimeSpan.FromSeconds(60), hub);
        sent.Add(await hub.NextAsync());
        await app.AdvanceUntilEventAsync(TimeSpan.FromMilliseconds(dayEnd - app.Clock.GetUtcNow().ToUnixTimeMilliseconds()), hub);
        sent.Add(await hub.NextAsync());
        await user.DeleteSessionAsync(second);
        await user.DeleteGroupAsync(group);
        await Receive();

        // The feed must hold the very bytes the hub sent.
        var page = await user.GetChangesAsync(start).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(
            ["addGroup", "editGroup", "addSession", "addSession", "start", "pause", "start", "pause", "editSession", "resetSession", "start",
                "resetAll", "autoResetTimeChange", "start", "complete", "autoReset", "deleteSession", "deleteGroup"],
            sent.Select(e => e.Type()));
        Assert.Equal(sent.Count, page.Events().Length);
        foreach (var (hubEvent, feedEvent) in sent.Zip(page.Events()))
        {
            Assert.Equal(hubEvent.GetRawText(), feedEvent.GetRawText());
        }

        Assert.Equal(sent[^1].Seq(), page.PageSeq());
        Assert.False(page.HasMore());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AReadOfTheFeedFirstPerformsWhatFellDue(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { DueWork = false });
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("Sprint", 60, 1));
        await client.StartAsync(id);
        var seq = await client.SeqAsync();
        app.Clock.Advance(TimeSpan.FromSeconds(61));

        var page = await client.ReadChangesAsync(seq);

        var complete = Assert.Single(page.Events);
        Assert.Equal(("complete", seq + 1), (complete.Type, complete.Seq));
        Assert.True(complete.Session!.IsCompleted);
        Assert.Equal(seq + 1, page.Seq);
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), page.ServerTimeMs);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task PagesFollowLimitOldestFirstAndSayWhetherMoreFollow(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var start = await client.SeqAsync();
        for (var i = 0; i < 5; i++)
        {
            await client.CreateGroupIdAsync($"g{i}");
        }

        var pages = new List<ChangePage>();
        for (var since = start; pages.Count == 0 || pages[^1].HasMore; since = pages[^1].Events[^1].Seq)
        {
            pages.Add(await client.ReadChangesAsync(since, limit: 2));
        }

        Assert.Equal([2, 2, 1], pages.Select(p => p.Events.Count));
        Assert.Equal([true, true, false], pages.Select(p => p.HasMore));
        Assert.All(pages, p => Assert.Equal(start + 5, p.Seq));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => start + i), pages.SelectMany(p => p.Events).Select(e => e.Seq));
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => $"g{i}"),
            pages.SelectMany(p => p.Events).Select(e => e.Group!.Name));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task APageHoldsFiveHundredEventsUnlessALimitSaysOtherwise(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        await client.ListAsync();
        await app.SetHistoryAsync(uid, 1_200, Enumerable.Range(1, 1_200).Select(i => (long)i));

        var byDefault = await client.ReadChangesAsync(0);
        var most = await client.ReadChangesAsync(0, limit: 1_000);
        var rest = await client.ReadChangesAsync(1_000, limit: 1_000);

        Assert.Equal((500, 500L, true), (byDefault.Events.Count, byDefault.Events[^1].Seq, byDefault.HasMore));
        Assert.Equal((1_000, true), (most.Events.Count, most.HasMore));
        Assert.Equal((200, 1_200L, false), (rest.Events.Count, rest.Events[^1].Seq, rest.HasMore));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task APageEndsEarlyOnceItHoldsAMegabyteOfEventsAndAlwaysHoldsOne(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        await client.ListAsync();
        await app.SetHistoryAsync(uid, 6, Enumerable.Range(1, 6).Select(i => (long)i), padding: 300_000);

        var first = await client.ReadChangesAsync(0);
        var second = await client.ReadChangesAsync(4, limit: 1);

        Assert.Equal([1L, 2L, 3L, 4L], first.Events.Select(e => e.Seq));
        Assert.Equal((true, 6L), (first.HasMore, first.Seq));
        Assert.Equal([5L], second.Events.Select(e => e.Seq));
        Assert.True(second.HasMore);
        await app.SetHistoryAsync(uid, 2, [1, 2], padding: 2_000_000);
        Assert.Equal([1L], (await client.ReadChangesAsync(0)).Events.Select(e => e.Seq));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ASinceAtTheSeqIsAnEmptyPageAndOneAheadOfItIsGone(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.CreateGroupIdAsync();
        var seq = await client.SeqAsync();

        var current = await client.ReadChangesAsync(seq);
        var ahead = await client.GetChangesAsync(seq + 1).ExpectProblemAsync(HttpStatusCode.Gone);

        Assert.Equal((0, seq, false), (current.Events.Count, current.Seq, current.HasMore));
        Assert.Equal(seq, ahead.PageSeq());
        Assert.Contains("GET /sessions", ahead.Str("detail"), StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ChangesFromBeforeTheFeedKeptThemAreGoneAndLaterOnesAreRead(Db db)
    {
        // A user whose seq passed 5 before events were stored (the feed's migration) has no events up to 5.
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        await client.ListAsync();
        await app.SetHistoryAsync(uid, 5, []);

        var gone = await client.GetChangesAsync(3).ExpectProblemAsync(HttpStatusCode.Gone);
        Assert.Empty((await client.ReadChangesAsync(5)).Events);
        await client.CreateGroupIdAsync();
        var after = await client.ReadChangesAsync(5);

        Assert.Equal(5, gone.Seq());
        Assert.Equal(("addGroup", 6L), (Assert.Single(after.Events).Type, after.Seq));
        await client.GetChangesAsync(4).ExpectProblemAsync(HttpStatusCode.Gone);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AMissingEventIsGoneNeverSkipped(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        await client.ListAsync();
        await app.SetHistoryAsync(uid, 6, [1, 2, 4, 5]);

        await client.GetChangesAsync(1).ExpectProblemAsync(HttpStatusCode.Gone);
        await client.GetChangesAsync(2, limit: 1).ExpectProblemAsync(HttpStatusCode.Gone);
        await client.GetChangesAsync(5).ExpectProblemAsync(HttpStatusCode.Gone);

        Assert.Equal([2L], (await client.ReadChangesAsync(1, limit: 1)).Events.Select(e => e.Seq));
        Assert.Equal([4L, 5L], (await client.ReadChangesAsync(3, limit: 2)).Events.Select(e => e.Seq));
    }

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task ABadSinceOrLimitIsA400NamingIt(Db db, string query, string field)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.GetAsync("/changes?" + query, TestContext.Current.CancellationToken).ExpectInvalidAsync(field);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheFeedNeedsSignIn(Db db)
    {
        var app = await apps.ForAsync(db);
        using var anonymous = app.AnonymousClient();

        await anonymous.GetAsync("/changes?since=0", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheFeedAndItsParameters()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.AnonymousClient();

        var document = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        var feed = document.GetProperty("paths").GetProperty("/changes").GetProperty("get");
        Assert.Equal(["since", "limit"], feed.GetProperty("parameters").EnumerateArray().Select(p => p.Str("name")));
        Assert.Contains("410", feed.Str("description"), StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AUsersFeedHoldsOnlyTheirOwnChanges(Db db)
    {
        var app = await apps.ForAsync(db);
        using var alice = app.ClientFor(FocusSyncApp.NewUserId());
        using var bob = app.ClientFor(FocusSyncApp.NewUserId());
        var alicesGroup = await alice.CreateGroupIdAsync("alice's");
        var bobsGroup = await bob.CreateGroupIdAsync("bob's");
        await alice.CreateSessionIdAsync(new NewSession("alice's", 60, 1, alicesGroup));
        await bob.CreateSessionIdAsync(new NewSession("bob's", 60, 1, bobsGroup));
        await alice.CreateGroupIdAsync("alice's too");

        // The other user's names must appear nowhere in the bytes of the feed.
        var bobs = await bob.GetChangesAsync(0).ExpectAsync(HttpStatusCode.OK);
        var alices = await alice.GetChangesAsync(0).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal([1L, 2L], bobs.Events().Select(e => e.Seq()));
        Assert.All(bobs.Events(), e => Assert.DoesNotContain("alice", e.GetRawText(), StringComparison.Ordinal));
        Assert.Equal([1L, 2L, 3L], alices.Events().Select(e => e.Seq()));
        Assert.All(alices.Events(), e => Assert.DoesNotContain("bob", e.GetRawText(), StringComparison.Ordinal));
        await bob.GetChangesAsync(3).ExpectProblemAsync(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task AChangeMadeOnOneInstanceIsReadFromTheFeedOfTheOther()
    {
        await using var database = await TestDatabase.CreateAsync(Db.Postgres);
        await using var first = FocusSyncApp.Start(database, new AppOptions());
        await using var second = FocusSyncApp.Start(database, new AppOptions());
        var uid = FocusSyncApp.NewUserId();
        using var onFirst = first.ClientFor(uid);
        using var onSecond = second.ClientFor(uid);
        var start = await onFirst.SeqAsync();
        await using var hub = await first.ConnectHubAsync(uid);
        await using var otherHub = await second.ConnectHubAsync(uid);

        var id = await onFirst.CreateSessionIdAsync();
        await onFirst.StartAsync(id);
        var sent = await hub.NextAsync(2);
        var readOnSecond = await onSecond.GetChangesAsync(start).ExpectAsync(HttpStatusCode.OK);
        await onSecond.PauseAsync(id);
        var readOnFirst = await onFirst.GetChangesAsync(start + 2).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(sent.Select(e => e.GetRawText()), readOnSecond.Events().Select(e => e.GetRawText()));
        Assert.Equal(("pause", start + 3), (Assert.Single(readOnFirst.Events()).Type(), readOnFirst.PageSeq()));
        Assert.Equal((await otherHub.NextAsync()).GetRawText(), readOnFirst.Events()[0].GetRawText());
    }
}
