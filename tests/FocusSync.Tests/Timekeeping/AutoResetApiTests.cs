using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Tests.Timekeeping;

/// <summary>The daily auto-reset as the API shows it. Each test has its own app because it moves the clock by hours.</summary>
public sealed class AutoResetApiTests
{
    private static readonly DateOnly _june1 = new(2026, 6, 1);
    private static readonly DateOnly _june2 = new(2026, 6, 2);

    // The due-work job would race the reads; without it, only the lazy catch-up on read can pass these.
    private static readonly AppOptions _noBackgroundJob = new() { DueWork = false };

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task PassingMidnightResetsEverySessionAndCreditsARunOnlyUpToTheBoundary(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, _noBackgroundJob);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var across = await client.CreateSessionIdAsync(new NewSession("across", 7200, 60));
        var done = await client.CreateSessionIdAsync(new NewSession("done", 600, 10));
        var free = await client.CreateSessionIdAsync(NewSession.Stopwatch("free"));
        await client.ActAsync(done, "start");
        app.Clock.Advance(TimeSpan.FromHours(14));
        Assert.True((await client.GetSessionAsync(done)).IsCompleted);
        await client.ActAsync(free, "start");
        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await client.ActAsync(free, "pause");
        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await client.ActAsync(across, "start");
        var seq = (await client.ListAsync()).Seq;

        app.Clock.Advance(TimeSpan.FromMinutes(90));

        var list = await client.ListAsync();
        Assert.Equal(seq + 1, list.Seq);
        var sessions = list.Sessions.ToDictionary(s => s.Id);
        Assert.All(sessions.Values, s =>
        {
            Assert.Equal("PAUSED", s.State);
            Assert.Equal(0, s.FocusSeconds);
            Assert.False(s.IsCompleted);
            Assert.Null(s.RunStartedAtMs);
        });
        Assert.Equal(7200, sessions[across].TimeLeft);
        Assert.Equal(600, sessions[done].TimeLeft);
        Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 3_600_000 }, await app.Services.CreditedMsAsync(across));
        Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 600_000 }, await app.Services.CreditedMsAsync(done));
        Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 1_800_000 }, await app.Services.CreditedMsAsync(free));
        Assert.Equal("2026-06-02", (await client.MeAsync()).CurrentDay);

        await client.ActAsync(across, "start");
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(600, (await client.ActAsync(across, "pause")).FocusSeconds);
        Assert.Equal(
            new Dictionary<DateOnly, long> { [_june1] = 3_600_000, [_june2] = 600_000 },
            await app.Services.CreditedMsAsync(across));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheBoundaryFollowsTheUsersZoneAndResetTime(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, _noBackgroundJob);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.ChangeSettingsAsync(new SettingsChanges(TimeZone: "Asia/Kathmandu", ResetTime: "04:00"));
        var me = await client.MeAsync();
        var boundary = new DateTimeOffset(2026, 6, 1, 22, 15, 0, TimeSpan.Zero);
        Assert.Equal("2026-06-01", me.CurrentDay);
        Assert.Equal(boundary.ToUnixTimeMilliseconds(), me.CurrentDayEndsAtMs);
        var id = await client.CreateSessionIdAsync(new NewSession("t", 86400, 600));

        app.Clock.Advance(boundary - app.Clock.GetUtcNow() - TimeSpan.FromMinutes(45));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromMinutes(44) + TimeSpan.FromSeconds(59));
        Assert.Equal(2699, (await client.GetSessionAsync(id)).FocusSeconds);
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        var session = await client.GetSessionAsync(id);
        Assert.Equal("PAUSED", session.State);
        Assert.Equal(0, session.FocusSeconds);
        Assert.Equal(86400, session.TimeLeft);
        Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 2_700_000 }, await app.Services.CreditedMsAsync(id));
        Assert.Equal("2026-06-02", (await client.MeAsync()).CurrentDay);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AServiceDownAcrossThreeBoundariesCatchesUpCreditingOnlyUpToTheFirst(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var uid = FocusSyncApp.NewUserId();
        long countdown, stopwatch, seqBefore;
        await using (var first = FocusSyncApp.Start(database, new DateTimeOffset(2026, 6, 1, 22, 0, 0, TimeSpan.Zero)))
        {
            using var client = first.ClientFor(uid);
            await client.ChangeSettingsAsync(new SettingsChanges(SingleRunning: false));
            countdown = await client.CreateSessionIdAsync(new NewSession("countdown", 86400, 600));
            stopwatch = await client.CreateSessionIdAsync(NewSession.Stopwatch("stopwatch"));
            await client.ActAsync(stopwatch, "start");
            first.Clock.Advance(TimeSpan.FromMinutes(90));
            await client.ActAsync(countdown, "start");
            first.Clock.Advance(TimeSpan.FromMinutes(15));
            seqBefore = (await client.ListAsync()).Seq;
        }

        await using (var second = FocusSyncApp.Start(database, new DateTimeOffset(2026, 6, 4, 9, 30, 0, TimeSpan.Zero)))
        {
            using var client = second.ClientFor(uid);
            var list = await client.ListAsync();

            Assert.Equal(seqBefore + 3, list.Seq);
            Assert.All(list.Sessions, s =>
            {
                Assert.Equal("PAUSED", s.State);
                Assert.Equal(0, s.FocusSeconds);
            });
            Assert.Equal(86400, list.Sessions.Single(s => s.Id == countdown).TimeLeft);
            Assert.Equal("2026-06-04", (await client.MeAsync()).CurrentDay);
            Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 1_800_000 }, await second.Services.CreditedMsAsync(countdown));
            Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 7_200_000 }, await second.Services.CreditedMsAsync(stopwatch));
        }

        await using (var third = FocusSyncApp.Start(database, new DateTimeOffset(2026, 6, 4, 9, 31, 0, TimeSpan.Zero)))
        {
            using var client = third.ClientFor(uid);
            Assert.Equal(seqBefore + 3, (await client.ListAsync()).Seq);
            Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 1_800_000 }, await third.Services.CreditedMsAsync(countdown));
            Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 7_200_000 }, await third.Services.CreditedMsAsync(stopwatch));
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AfterARestartTheBackgroundJobCatchesUpWithoutAnyRequest(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var uid = FocusSyncApp.NewUserId();
        long countdown;
        await using (var first = FocusSyncApp.Start(database, _noBackgroundJob with { Now = new DateTimeOffset(2026, 6, 1, 22, 0, 0, TimeSpan.Zero) }))
        {
            using var client = first.ClientFor(uid);
            countdown = await client.CreateSessionIdAsync(new NewSession("countdown", 86400, 600));
            await client.ActAsync(countdown, "start");
        }

        // Down across two boundaries. The new instance runs the due-work job, and nobody sends it a request.
        await using var second = FocusSyncApp.Start(database, new DateTimeOffset(2026, 6, 3, 9, 30, 0, TimeSpan.Zero));
        using var waiting = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await second.QueryAsync(d => d.Users.AsNoTracking().Where(u => u.Id == uid).Select(u => u.Day).SingleAsync()) != new DateOnly(2026, 6, 3))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), waiting.Token);
        }

        Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 7_200_000 }, await second.Services.CreditedMsAsync(countdown));
        var stored = await second.QueryAsync(d => d.Sessions.AsNoTracking().SingleAsync(s => s.Id == countdown));
        Assert.Null(stored.RunStartedAtMs);
        Assert.Equal(86_400_000, stored.TimeLeftMs);
        Assert.Equal(0, stored.FocusMs);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACatchUpOverManyDaysOfManySessionsRecordsEveryDay(Db db)
    {
        // 200 goal sessions × 40 missed days: 8,000 goal rows in one catch-up, more than one SQLite statement can bind.
        await using var app = await FocusSyncApp.StartAsync(db, _noBackgroundJob);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var ids = new List<long>();
        for (var i = 0; i < 200; i++)
        {
            ids.Add(await client.CreateSessionIdAsync(new NewSession($"task {i}", 600, 10)));
        }

        await client.ActAsync(ids[0], "start");
        app.Clock.Advance(TimeSpan.FromDays(40));

        Assert.Equal(200, (await client.ListAsync()).Sessions.Count);
        Assert.Equal(200 * 41, await app.QueryAsync(d => d.TaskDailyTimes.CountAsync(t => ids.Contains(t.SessionId))));
        Assert.Equal(new Dictionary<DateOnly, long> { [_june1] = 600_000 }, await app.Services.CreditedMsAsync(ids[0]));
    }
}
