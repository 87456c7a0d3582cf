using System.Net;
using System.Net.Http.Json;
using FocusSync.Client;
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

        Assert.Equal(app.NowMs(), started.AppliedAtMs);
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
        var id = await client.CreateSessionIdAsync(new NewSession("t", 600, 10));
        await client.ActAsync(id, "start");
        var startedMs = app.NowMs();
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        var paused = await client.ActAsync(id, "pause", new ActionTiming(startedMs + 300_000));

        Assert.Equal(startedMs + 300_000, paused.AppliedAtMs);
        Assert.Equal(("PAUSED", false, 300.0, 300.0), (paused.State, paused.IsCompleted,
            paused.TimeLeft, paused.FocusSeconds));
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, June1)] = 300_000 }, await app.CreditsAsync(uid));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnOfflinePauseAfterTheTargetFindsTheCountdownCompletedAtItsTarget(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync(new NewSession("t", 600, 10));
        await client.ActAsync(id, "start");
        var startedMs = app.NowMs();
        await using var hub = await app.ConnectHubAsync(uid);
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        var paused = await client.ActAsync(id, "pause", new ActionTiming(startedMs + 900_000));

        Assert.Equal(startedMs + 900_000, paused.AppliedAtMs);
        Assert.Equal(("PAUSED", true, 600.0), (paused.State, paused.IsCompleted, paused.FocusSeconds));
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
        var id = await client.CreateSessionIdAsync(new NewSession("t", 600, 10));
        var startMs = app.NowMs() + 300_000;
        await using var hub = await app.ConnectHubAsync(uid, tokenLifetime: HubClients.LongLivedTokens);
        app.Clock.Advance(TimeSpan.FromHours(1));

        var started = await client.ActAsync(id, "start", new ActionTiming(startMs));

        Assert.Equal(startMs, started.AppliedAtMs);
        Assert.Equal(("PAUSED", true, 600.0), (started.State, started.IsCompleted, started.FocusSeconds));
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

        var started = await client.ActAsync(id, "start", new ActionTiming(app.NowMs() + 3_600_000));

        Assert.Equal(app.NowMs(), started.AppliedAtMs);
        Assert.Equal(app.NowMs(), started.RunStartedAtMs);
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

        var restarted = await client.ActAsync(id, "start", new ActionTiming(t0 + 300_000));

        Assert.Equal(t0 + 600_000, restarted.AppliedAtMs);
        Assert.Equal(t0 + 600_000, restarted.RunStartedAtMs);
        Assert.Equal(1200, restarted.FocusSeconds);
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
        var id = await laptop.CreateSessionIdAsync(NewSession.Stopwatch("free"));
        app.Clock.Advance(Midnight.AddHours(-1) - app.Clock.GetUtcNow());
        await laptop.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromMinutes(70));
        await laptop.ListAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(20));

        var batch = await phone.SyncAsync(
            Op(OperationKind.Pause, id, at: Ms(Midnight.AddMinutes(-30))),
            Op(OperationKind.Start, id, at: Ms(Midnight.AddMinutes(-15))));

        Assert.Equal([200, 200], batch.Results.Select(r => r.Status));
        Assert.Equal([Ms(Midnight), Ms(Midnight)], batch.Results.Select(r => r.AppliedAtMs));
        Assert.Equal(Ms(Midnight), batch.Results[1].Session!.RunStartedAtMs);
        Assert.Equal(1800, (await laptop.ActAsync(id, "pause")).FocusSeconds);
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
        var id = await client.CreateSessionIdAsync(NewSession.Stopwatch("free"));
        app.Clock.Advance(Midnight.AddHours(-1) - app.Clock.GetUtcNow());
        await client.ActAsync(id, "start");
        await using var hub = await app.ConnectHubAsync(uid, tokenLifetime: HubClients.LongLivedTokens);
        app.Clock.Advance(TimeSpan.FromHours(2));

        var paused = await client.ActAsync(id, "pause", new ActionTiming(Ms(Midnight.AddMinutes(30))));

        Assert.Equal(Ms(Midnight.AddMinutes(30)), paused.AppliedAtMs);
        Assert.Equal(("PAUSED", 0.0), (paused.State, paused.FocusSeconds));
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
        await client.ChangeSettingsAsync(new SettingsChanges(TimeZone: "America/New_York", ResetTime: "02:30"));
        var boundary = new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero);
        Assert.Equal(Ms(boundary), (await client.MeAsync()).CurrentDayEndsAtMs);
        var id = await client.CreateSessionIdAsync(NewSession.Stopwatch("night"));
        app.Clock.Advance(TimeSpan.FromHours(22));

        var batch = await client.SyncAsync(
            Op(OperationKind.Start, id, at: Ms(boundary.AddHours(-2))),
            Op(OperationKind.Pause, id, at: Ms(boundary.AddHours(2))));

        Assert.Equal([Ms(boundary.AddHours(-2)), Ms(boundary.AddHours(2))], batch.Results.Select(r => r.AppliedAtMs));
        Assert.Equal("PAUSED", batch.Results[0].Session!.State);
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, new DateOnly(2026, 3, 7))] = 7_200_000 }, await app.CreditsAsync(uid));
        var me = await client.MeAsync();
        Assert.Equal("2026-03-08", me.CurrentDay);
        Assert.Equal(Ms(new DateTimeOffset(2026, 3, 9, 6, 30, 0, TimeSpan.Zero)), me.CurrentDayEndsAtMs);
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

        var created = await client.Api.CreateSessionAsync(new NewSession("t", 3600, 60), at: t0, cancellationToken: TestContext.Current.CancellationToken);
        var id = created.Id;
        var started = await client.ActAsync(id, "start", new ActionTiming(t0 + 60_000));
        var edited = await client.Api.EditSessionAsync(id, new SessionChanges(InitialDuration: 7200), new ActionTiming(t0 + 120_000, 2), cancellationToken: TestContext.Current.CancellationToken);
        await client.Api.DeleteSessionAsync(id, new ActionTiming(t0 + 180_000, 3), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal((t0, t0), (created.AppliedAtMs, created.CreatedAt.ToUnixTimeMilliseconds()));
        Assert.Equal(t0 + 60_000, started.AppliedAtMs);
        Assert.Equal((t0 + 120_000, 3, t0 + 60_000 + 7_200_000), (edited.AppliedAtMs, edited.Version, edited.TargetTimeMs));
        Assert.Equal(new Dictionary<(long, DateOnly), long> { [(id, June1)] = 120_000 }, await app.CreditsAsync(uid));
    }
}
