using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Timekeeping;

/// <summary>Completion shown by reads alone: the due-work job is off, so nothing else can complete the countdown.</summary>
public sealed class CompletionApiTests
{
    private static readonly AppOptions _noBackgroundJob = new() { DueWork = false };

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheFirstReadAfterTheTargetShowsTheCountdownCompletedWithoutABackgroundJob(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, _noBackgroundJob);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("sprint", 300, 5));
        var other = await client.CreateSessionIdAsync(new NewSession("other", 300, 5));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(301));

        var first = await client.GetSessionAsync(id);
        Assert.Equal("PAUSED", first.State);
        Assert.True(first.IsCompleted);
        Assert.Equal(0, first.TimeLeft);
        Assert.Equal(300, first.FocusSeconds);
        Assert.Null(first.TargetTimeMs);
        var listed = (await client.ListAsync()).Sessions.Single(s => s.Id == id);
        Assert.Equal(first, listed);

        // Starting another session after the target must not credit the completed one past its target.
        await client.ActAsync(other, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(300, (await client.GetSessionAsync(id)).FocusSeconds);
        Assert.Equal(300_000, (await app.Services.CreditedMsAsync(id)).Values.Sum());
        Assert.Equal(10, (await client.GetSessionAsync(other)).FocusSeconds);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task StartingAnotherSessionAfterTheTargetCompletesTheFirstAtItsTarget(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, _noBackgroundJob);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("sprint", 60, 5));
        var other = await client.CreateSessionIdAsync(new NewSession("other", 300, 5));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(75));

        var started = await client.ActAsync(other, "start");

        Assert.Equal("RUNNING", started.State);
        var first = await client.GetSessionAsync(id);
        Assert.True(first.IsCompleted);
        Assert.Equal(60, first.FocusSeconds);
        Assert.Equal(60_000, (await app.Services.CreditedMsAsync(id)).Values.Sum());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AGoallessSessionNeverCompletes(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, _noBackgroundJob);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(NewSession.Stopwatch("free"));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromHours(15));

        var session = await client.GetSessionAsync(id);

        Assert.Equal("RUNNING", session.State);
        Assert.False(session.IsCompleted);
        Assert.Equal(15 * 3600, session.FocusSeconds);
    }
}
