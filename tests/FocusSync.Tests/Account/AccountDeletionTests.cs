using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Group = FocusSync.Client.Group;
using Session = FocusSync.Client.Session;
using User = FocusSync.Client.User;

namespace FocusSync.Tests.Account;

public sealed class AccountDeletionTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AfterDeletingTheAccountNoTableHoldsARowOfTheUserAndOthersKeepTheirs(Db db)
    {
        var app = await apps.ForAsync(db);
        using var other = await AccountKit.FullAccountAsync(app);
        using var doomed = await AccountKit.FullAccountAsync(app);

        // What fell due for the other account when the clock moved is performed now, not during the deletion.
        await other.ListAsync();
        var before = await AccountKit.RowsOfAsync(app, doomed.Uid);
        var othersBefore = await AccountKit.RowsOfAsync(app, other.Uid);
        Assert.All(before, table => Assert.True(table.Value > 0, $"the account has no row in {table.Key}, so the check proves nothing there"));

        await doomed.Api.DeleteAccountAsync(TestContext.Current.CancellationToken);

        Assert.All(await AccountKit.RowsOfAsync(app, doomed.Uid), table => Assert.True(table.Value == 0, $"{table.Key} still holds {table.Value} rows"));
        Assert.Equal(othersBefore, await AccountKit.RowsOfAsync(app, other.Uid));
        Assert.All(othersBefore, table => Assert.True(table.Value > 0 || table.Key == "IdempotentRequests", $"the other account has no row in {table.Key}"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DeletingAnAccountThatIsNotThereIs204AndCreatesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = await AccountKit.FullAccountAsync(app);

        await client.DeleteAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.NoContent);
        await client.DeleteAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.NoContent);

        Assert.All(await AccountKit.RowsOfAsync(app, client.Uid), table => Assert.Equal(0, table.Value));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStillValidTokenStartsANewEmptyAccountWhoseFeedNoOldSeqContinues(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = await AccountKit.FullAccountAsync(app);
        var oldSeq = await client.SeqAsync();

        await client.Api.DeleteAccountAsync(TestContext.Current.CancellationToken);

        var list = await client.ListAsync();
        Assert.Empty(list.Sessions);
        Assert.Empty(await client.Api.GetGroupsAsync(TestContext.Current.CancellationToken));
        var me = await client.MeAsync();
        Assert.Equal("UTC", me.TimeZone);
        Assert.Equal("00:00", me.ResetTime);
        var analytics = await client.ReportAsync(AnalyticsPeriod.Daily, "2026-01-01");
        Assert.All(analytics.Buckets, b => Assert.Equal(0.0, b.TotalSeconds));

        // The new account makes more changes than the old one had: its seq still never meets an old one.
        Assert.True(list.Seq > oldSeq, "the new account's seq starts below the old one's");
        while (await client.SeqAsync() <= oldSeq + 3)
        {
            await client.CreateGroupIdAsync("New");
        }

        foreach (var since in new[] { 0, oldSeq - 1, oldSeq })
        {
            await client.GetAsync(UserClient.ChangesPath(since), TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.Gone);
        }

        var fresh = await client.ReadChangesAsync(list.Seq);
        Assert.All(fresh.Events, e => Assert.Equal("addGroup", e.Type));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnIdempotencyKeyOfTheDeletedAccountReplaysNothingOfIt(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var key = "key-" + Guid.NewGuid().ToString("N");
        var first = await CreateWithKeyAsync();

        await client.Api.DeleteAccountAsync(TestContext.Current.CancellationToken);
        var again = await CreateWithKeyAsync();

        Assert.NotEqual(first.Id, again.Id);
        Assert.Equal([again.Id], (await client.ListAsync()).Sessions.Select(s => s.Id));

        Task<Session> CreateWithKeyAsync() => client.Api.CreateSessionAsync(new NewSession("Keyed", 600, 10), key);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheDueWorkJobNeverBringsBackADeletedAccount(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = await AccountKit.FullAccountAsync(app);
        await client.Api.DeleteAccountAsync(TestContext.Current.CancellationToken);

        // What the job does for a user it found due just before the deletion committed.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ChangePipeline>().CatchUpAsync(client.Uid, TestContext.Current.CancellationToken);
        }

        Assert.All(await AccountKit.RowsOfAsync(app, client.Uid), table => Assert.Equal(0, table.Value));
    }

    /// <summary>
    /// 50 actions of the user race their account's deletion. Whatever the interleaving, no row of the old account
    /// survives, and what is left is a whole new account: every row of it described by its own feed, which starts past
    /// the old seq and has no gap.
    /// </summary>
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADeletionRacingFiftyActionsLeavesEverythingOrNothingOfTheOldAccount(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = await AccountKit.FullAccountAsync(app);
        var uid = client.Uid;
        var oldSeq = await client.SeqAsync();
        var old = await app.QueryAsync(async d => new
        {
            Sessions = await d.Sessions.Where(s => s.UserId == uid).Select(s => s.Id).ToListAsync(),
            Groups = await d.Groups.Where(g => g.UserId == uid).Select(g => g.Id).ToListAsync(),
            Days = await d.TaskDailyTimes.Where(t => t.UserId == uid).Select(t => t.Id).ToListAsync(),
        });
        var target = old.Sessions[0];

        using var start = new ManualResetEventSlim();
        var racers = Enumerable.Range(0, 51).Select(i => Task.Run(async () =>
        {
            start.Wait(TestContext.Current.CancellationToken);
            return i == 25 ? await client.DeleteAsync("/me") : await ActAsync(i);
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(racers);

        Assert.Equal(HttpStatusCode.NoContent, answers[25].StatusCode);
        var created = new List<long>();
        foreach (var (answer, i) in answers.Select((a, i) => (a, i)).Where(a => a.i != 25 && a.i % 5 == 0))
        {
            Assert.True(answer.StatusCode == HttpStatusCode.Created, $"creation {i}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            created.Add((await answer.JsonAsync()).Id());
        }

        var left = await app.QueryAsync(async d => new
        {
            OldSessions = await d.Sessions.CountAsync(s => old.Sessions.Contains(s.Id)),
            OldGroups = await d.Groups.CountAsync(g => old.Groups.Contains(g.Id)),
            OldDays = await d.TaskDailyTimes.CountAsync(t => old.Days.Contains(t.Id) || old.Sessions.Contains(t.SessionId)),
            Seq = await d.Users.Where(u => u.Id == uid).Select(u => (long?)u.Seq).SingleOrDefaultAsync(),
            Events = await d.StoredChanges.Where(c => c.UserId == uid).OrderBy(c => c.Seq).Select(c => new { c.Seq, c.Json }).ToListAsync(),
            Sessions = await d.Sessions.Where(s => s.UserId == uid).Select(s => s.Id).ToListAsync(),
            Groups = await d.Groups.Where(g => g.UserId == uid).Select(g => g.Id).ToListAsync(),
            DaySessions = await d.TaskDailyTimes.Where(t => t.UserId == uid).Select(t => t.SessionId).ToListAsync(),
            AllSessions = await d.Sessions.Where(s => created.Contains(s.Id)).Select(s => s.Id).ToListAsync(),
        });
        foreach (var (answer, _) in answers.Select((a, i) => (a, i)))
        {
            answer.Dispose();
        }

        Assert.Equal(0, left.OldSessions);
        Assert.Equal(0, left.OldGroups);
        Assert.Equal(0, left.OldDays);
        if (left.Seq is not { } seq)
        {
            Assert.Empty(left.Events);
            Assert.Empty(left.Sessions);
            return;
        }

        var firstSeq = seq - left.Events.Count + 1;
        Assert.True(firstSeq > oldSeq + 1, $"the new account's feed starts at {firstSeq}, within the old one's (up to {oldSeq})");
        Assert.Equal(Enumerable.Range(0, left.Events.Count).Select(i => firstSeq + i), left.Events.Select(e => e.Seq));
        var events = left.Events.Select(e => JsonDocument.Parse(e.Json).RootElement).ToList();
        Assert.Equal(
            events.Where(e => e.Str("type") == "addSession").Select(e => e.GetProperty("session").Id()).Order(),
            left.Sessions.Order());
        Assert.Equal(
            events.Where(e => e.Str("type") == "addGroup").Select(e => e.GetProperty("group").Id()).Order(),
            left.Groups.Order());
        Assert.All(left.DaySessions, id => Assert.Contains(id, left.Sessions));
        Assert.All(left.AllSessions, id => Assert.Contains(id, left.Sessions));

        Task<HttpResponseMessage> ActAsync(int i) => (i % 5) switch
        {
            0 => client.PostAsJsonAsync("/sessions", new { title = $"race {i}", initialDuration = 600, dailyGoalMinutes = 10 }),
            1 => client.PostAsync($"/sessions/{target}/actions/start", null),
            2 => client.PostAsync($"/sessions/{target}/actions/pause", null),
            3 => client.PostAsJsonAsync("/groups", new { name = $"race {i}" }),
            _ => client.PatchAsJsonAsync("/me", new { resetTime = $"0{i % 10}:00" }),
        };
    }
}
