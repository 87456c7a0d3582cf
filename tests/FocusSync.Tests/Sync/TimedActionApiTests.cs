using System.Net;
using System.Net.Http.Json;
using FocusSync.Tests.Infrastructure;
using static FocusSync.Tests.Sync.SyncKit;

namespace FocusSync.Tests.Sync;

/// <summary>
/// Timed actions through the API (SPEC section 7): an action applies when the person acted, never before the latest
/// committed change it depends on, never after now. Each test has its own app: it moves the clock by hours, with no
/// due-work job, so only requests perform what falls due (as when the server was down or the job had not yet run).
/// </summary>
public sealed class TimedActionApiTests
{
    private static readonly Dictionary<string, string?> NoJob = new() { ["DueWork:Enabled"] = "false" };
    private static readonly DateTimeOffset Midnight = new(2026, 6, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly June1 = new(2026, 6, 1);
    private static readonly DateOnly June2 = new(2026, 6, 2);

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnActionWithoutAnInstantAppliesNowAndTheAnswerAndTheEventSayWhen(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync();
        await using var hub = await app.ConnectHubAsync(uid);
        app.Clock.Advance(TimeSpan.FromMinutes(3));

        var started = await client.ActAsync(id, "start");

        Assert.Equal(app.NowMs(), started.AppliedAtMs());
        var change = await hub.NextAsync();
        Assert.Equal(("start", app.NowMs()), (change.Type(), change.AppliedAtMs()));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task APauseMadeBeforeTheTargetAndDeliveredAfterItCreditsTheRunOnlyUpToThePause(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync(new { title = "t", initialDuration = 600, dailyGoalMinutes = 10 });
        await client.ActAsync(id, "start");
        var startedMs = app.NowMs();
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        var paused = await client.ActAtAsync(id, "pause", new { at = startedMs + 300_000 }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(startedMs + 300_000, paused.AppliedAtMs());
        Assert.Equal(("PAUSED", false, 300.0, 300.0), (paused.Str("state"), paused.GetProperty("isCompleted").GetBoolean(),
            paused.Num("timeLeft"), paused.Num("focusSeconds")));
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, June1)] = 300_000 }, await app.CreditsAsync(uid));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnOfflinePauseAfterTheTargetFindsTheCountdownCompletedAtItsTarget(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync(new { title = "t", initialDuration = 600, dailyGoalMinutes = 10 });
        await client.ActAsync(id, "start");
        var startedMs = app.NowMs();
        await using var hub = await app.ConnectHubAsync(uid);
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        var paused = await client.ActAtAsync(id, "pause", new { at = startedMs + 900_000 }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(startedMs + 900_000, paused.AppliedAtMs());
        Assert.Equal(("PAUSED", true, 600.0), (paused.Str("state"), paused.GetProperty("isCompleted").GetBoolean(), paused.Num("focusSeconds")));
        var completed = await hub.NextAsync();
        Assert.Equal(("complete", startedMs + 600_000), (completed.Type(), completed.AppliedAtMs()));
        Assert.False(await hub.WaitForEventAsync(TimeSpan.FromMilliseconds(300)), "the pause of a completed countdown made a change");
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, June1)] = 600_000 }, await app.CreditsAsync(uid));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnOfflineStartWhoseCountdownEndedBeforeItArrivedCompletesAtItsOwnTarget(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync(new { title = "t", initialDuration = 600, dailyGoalMinutes = 10 });
        var startMs = app.NowMs() + 300_000;
        await using var hub = await app.ConnectHubAsync(uid, tokenLifetime: HubClients.LongLivedTokens);
        app.Clock.Advance(TimeSpan.FromHours(1));

        var started = await client.ActAtAsync(id, "start", new { at = startMs }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(startMs, started.AppliedAtMs());
        Assert.Equal(("PAUSED", true, 600.0), (started.Str("state"), started.GetProperty("isCompleted").GetBoolean(), started.Num("focusSeconds")));
        var events = await hub.NextAsync(2);
        Assert.Equal([("start", startMs), ("complete", startMs + 600_000)], events.Select(e => (e.Type(), e.AppliedAtMs())));
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, June1)] = 600_000 }, await app.CreditsAsync(uid));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnInstantInTheFutureAppliesNow(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        var started = await client.ActAtAsync(id, "start", new { at = app.NowMs() + 3_600_000 }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(app.NowMs(), started.AppliedAtMs());
        Assert.Equal(app.NowMs(), started.GetProperty("runStartedAtMs").GetInt64());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnInstantBeforeTheSessionsLastChangeAppliesAtThatChange(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync();
        var t0 = app.NowMs();
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await client.ActAsync(id, "pause");
        app.Clock.Advance(TimeSpan.FromMinutes(10));

        var restarted = await client.ActAtAsync(id, "start", new { at = t0 + 300_000 }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(t0 + 600_000, restarted.AppliedAtMs());
        Assert.Equal(t0 + 600_000, restarted.GetProperty("runStartedAtMs").GetInt64());
        Assert.Equal(1200, restarted.Num("focusSeconds"));
    }

    /// <summary>
    /// The phone, offline since before midnight, paused at 23:30 and started again at 23:45; the server performed the
    /// midnight boundary (pausing the run there) before the phone was back. Both apply at the boundary: the time
    /// before it is credited once, to June 1, and the new run counts from midnight.
    /// </summary>
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnOfflinePauseAndStartBeforeABoundaryAlreadyPerformedApplyAtTheBoundaryAndCountNothingTwice(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var laptop = app.ClientFor(uid);
        using var phone = app.ClientFor(uid);
        var id = await laptop.CreateSessionIdAsync(new { title = "free", noGoal = true });
        app.Clock.Advance(Midnight.AddHours(-1) - app.Clock.GetUtcNow());
        await laptop.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromMinutes(70));
        await laptop.ListAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(20));

        var batch = await phone.SyncAsync(
            Op("pause", id, at: Ms(Midnight.AddMinutes(-30))),
            Op("start", id, at: Ms(Midnight.AddMinutes(-15))));

        Assert.Equal([200, 200], batch.Results().Select(r => r.Status()));
        Assert.Equal([Ms(Midnight), Ms(Midnight)], batch.Results().Select(r => r.AppliedAtMs()));
        Assert.Equal(Ms(Midnight), batch.Results()[1].GetProperty("session").GetProperty("runStartedAtMs").GetInt64());
        Assert.Equal(1800, (await laptop.ActAsync(id, "pause")).Num("focusSeconds"));
        Assert.Equal(
            new Dictionary<(long, DateOnly), long> { [(id, June1)] = 3_600_000, [(id, June2)] = 1_800_000 },
            await app.CreditsAsync(uid));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnOfflinePauseAfterABoundaryTheServerHadNotPerformedEndsTheRunAtTheBoundary(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync(new { title = "free", noGoal = true });
        app.Clock.Advance(Midnight.AddHours(-1) - app.Clock.GetUtcNow());
        await client.ActAsync(id, "start");
        await using var hub = await app.ConnectHubAsync(uid, tokenLifetime: HubClients.LongLivedTokens);
        app.Clock.Advance(TimeSpan.FromHours(2));

        var paused = await client.ActAtAsync(id, "pause", new { at = Ms(Midnight.AddMinutes(30)) }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(Ms(Midnight.AddMinutes(30)), paused.AppliedAtMs());
        Assert.Equal(("PAUSED", 0.0), (paused.Str("state"), paused.Num("focusSeconds")));
        var reset = await hub.NextAsync();
        Assert.Equal(("autoReset", Ms(Midnight)), (reset.Type(), reset.AppliedAtMs()));
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, June1)] = 3_600_000 }, await app.CreditsAsync(uid));
    }

    /// <summary>
    /// New York's 2026 spring-forward night, with the day resetting at 02:30, a time the night skips: the day ends at
    /// 03:00 EDT (07:00 UTC). A phone offline through it started a session at 00:00 EST and paused it at 05:00 EDT; the
    /// server, with no request all night, performs the boundary while applying the start, so the run is credited up to
    /// 03:00 EDT, two hours, to March 7.
    /// </summary>
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnOfflineRunOnTheNightDaylightSavingTimeBeginsIsEndedAtTheBoundaryTheGapMoved(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        await using var app = FocusSyncApp.Start(database, new DateTimeOffset(2026, 3, 7, 12, 0, 0, TimeSpan.Zero), NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        await client.PatchJsonAsync("/me", new { timeZone = "America/New_York", resetTime = "02:30" }).ExpectAsync(HttpStatusCode.OK);
        var boundary = new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero);
        Assert.Equal(Ms(boundary), (await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).GetProperty("currentDayEndsAtMs").GetInt64());
        var id = await client.CreateSessionIdAsync(new { title = "night", noGoal = true });
        app.Clock.Advance(TimeSpan.FromHours(22));

        var batch = await client.SyncAsync(
            Op("start", id, at: Ms(boundary.AddHours(-2))),
            Op("pause", id, at: Ms(boundary.AddHours(2))));

        Assert.Equal([Ms(boundary.AddHours(-2)), Ms(boundary.AddHours(2))], batch.Results().Select(r => r.AppliedAtMs()));
        Assert.Equal("PAUSED", batch.Results()[0].GetProperty("session").Str("state"));
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, new DateOnly(2026, 3, 7))] = 7_200_000 }, await app.CreditsAsync(uid));
        var me = await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-03-08", me.Str("currentDay"));
        Assert.Equal(Ms(new DateTimeOffset(2026, 3, 9, 6, 30, 0, TimeSpan.Zero)), me.GetProperty("currentDayEndsAtMs").GetInt64());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACreationEditAndDeleteEachApplyWhenThePersonActed(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        await client.ListAsync();
        var t0 = app.NowMs();
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        var created = await client.PostAsJsonAsync("/sessions", new { title = "t", initialDuration = 3600, dailyGoalMinutes = 60, at = t0 }, cancellationToken: TestContext.Current.CancellationToken)
            .ExpectAsync(HttpStatusCode.Created);
        var id = created.Id();
        var started = await client.ActAtAsync(id, "start", new { at = t0 + 60_000 }).ExpectAsync(HttpStatusCode.OK);
        var edited = await client.PatchJsonAsync($"/sessions/{id}", new { initialDuration = 7200, at = t0 + 120_000, baseVersion = 2 })
            .ExpectAsync(HttpStatusCode.OK);
        await client.DeleteAsync($"/sessions/{id}?at={t0 + 180_000}&baseVersion=3", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.NoContent);

        Assert.Equal((t0, t0), (created.AppliedAtMs(), created.GetProperty("createdAt").GetDateTimeOffset().ToUnixTimeMilliseconds()));
        Assert.Equal(t0 + 60_000, started.AppliedAtMs());
        Assert.Equal((t0 + 120_000, 3, t0 + 60_000 + 7_200_000), (edited.AppliedAtMs(), edited.Version(), edited.GetProperty("targetTimeMs").GetInt64()));
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, June1)] = 120_000 }, await app.CreditsAsync(uid));
    }
}
