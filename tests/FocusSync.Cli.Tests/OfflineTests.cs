using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Cli.Tests;

/// <summary>Commands while the service is down: queued in the library's queue, sent exactly once when it is back.</summary>
public sealed class OfflineTests : IDisposable
{
    private readonly Person _person = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStartWhileTheServiceIsDownIsQueuedAndSyncAppliesItExactlyOnceWhenItIsBack(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var options = Options();
        var before = FocusSyncApp.Start(database, options);
        var uid = FocusSyncApp.NewUserId();
        await _person.OkAsync("login", "--server", before.Address.ToString(), "--token", before.Tokens.Mint(uid));
        await _person.OkAsync("add", "Write");
        var port = before.Address.Port;
        await before.DisposeAsync();

        var start = await _person.OkAsync("start", "Write", "--timeout", "3s");
        var offlineList = await _person.OkAsync("list", "--timeout", "3s");
        var offlineSync = await _person.RunAsync("sync", "--timeout", "3s");

        await using var after = FocusSyncApp.Start(database, options with { Port = port });
        var sync = await _person.OkAsync("sync");
        var again = await _person.OkAsync("sync");
        var list = await _person.OkAsync("list");

        Assert.Contains("queued (offline): 1 changes waiting", start.Out, StringComparison.Ordinal);
        Assert.Equal("PAUSED (queued)", CliKit.RowOf(offlineList.Out, "Write")[2]);
        Assert.Contains("offline:", offlineList.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unreachable, offlineSync.ExitCode);
        Assert.Contains("1 changes waiting", offlineSync.Error, StringComparison.Ordinal);
        Assert.Contains("synced: 1 of 1 queued changes applied", sync.Out, StringComparison.Ordinal);
        Assert.Contains("synced: 0 of 0 queued changes applied", again.Out, StringComparison.Ordinal);
        Assert.Equal("RUNNING", CliKit.RowOf(list.Out, "Write")[2]);
        using var server = CliKit.RestClient(after, uid);
        var feed = await server.GetChangesAsync(0, cancellationToken: Ct);
        Assert.Equal(["addSession", "start"], feed.Events.Select(e => e.Type));
        Assert.Equal(2, Assert.Single((await server.GetSessionsAsync(Ct)).Sessions).Version);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AQueuedActionOnASessionChangedElsewhereMeanwhileIsReportedRefusedWithTheServersState(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var options = Options();
        var before = FocusSyncApp.Start(database, options);
        var uid = FocusSyncApp.NewUserId();
        await _person.OkAsync("login", "--server", before.Address.ToString(), "--token", before.Tokens.Mint(uid));
        await _person.OkAsync("add", "Write");
        var port = before.Address.Port;
        await before.DisposeAsync();
        await _person.OkAsync("start", "Write", "--timeout", "3s");

        await using var after = FocusSyncApp.Start(database, options with { Port = port });
        using var otherDevice = CliKit.RestClient(after, uid);
        await otherDevice.EditSessionAsync(1, new Client.SessionChanges(Title: "Draft"), cancellationToken: Ct);
        var sync = await _person.RunAsync("sync");

        Assert.Equal(ExitCodes.Refused, sync.ExitCode);
        Assert.Contains("refused: start of 1 'Draft': the session changed on another device", sync.Error, StringComparison.Ordinal);
        Assert.Equal("PAUSED", CliKit.RowOf(sync.Error, "Draft")[2]);
        Assert.Equal("PAUSED", Assert.Single((await otherDevice.GetSessionsAsync(Ct)).Sessions).State);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ASessionAddedAndStartedOfflineIsCreatedOnceAndRunningAfterSync(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var options = Options();
        var before = FocusSyncApp.Start(database, options);
        var uid = FocusSyncApp.NewUserId();
        await _person.OkAsync("login", "--server", before.Address.ToString(), "--token", before.Tokens.Mint(uid));
        await _person.OkAsync("list");
        var port = before.Address.Port;
        await before.DisposeAsync();

        await _person.OkAsync("add", "Read", "--no-goal", "--timeout", "3s");
        var start = await _person.OkAsync("start", "Read", "--timeout", "3s");
        await using var after = FocusSyncApp.Start(database, options with { Port = port });
        var list = await _person.OkAsync("list");

        Assert.Contains("queued (offline): 2 changes waiting", start.Out, StringComparison.Ordinal);
        Assert.Contains("synced: 2 of 2 queued changes applied", list.Out, StringComparison.Ordinal);
        using var server = CliKit.RestClient(after, uid);
        var session = Assert.Single((await server.GetSessionsAsync(Ct)).Sessions);
        Assert.Equal(("Read", "RUNNING", true), (session.Title, session.State, session.NoGoal));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WithTheServiceDownAndNoSessionSeenYetNothingCanBeQueuedByTitle(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var before = FocusSyncApp.Start(database, Options());
        await _person.OkAsync("login", "--server", before.Address.ToString(), "--token", before.Tokens.Mint(FocusSyncApp.NewUserId()));
        await before.DisposeAsync();

        var start = await _person.RunAsync("start", "Write", "--timeout", "3s");
        var report = await _person.RunAsync("report", "--timeout", "3s");

        Assert.Equal(ExitCodes.Unreachable, start.ExitCode);
        Assert.Contains("nothing was queued", start.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unreachable, report.ExitCode);
    }

    public void Dispose() => _person.Dispose();

    /// <summary>One clock and one signing key across restarts, so the token of the sign-in stays good.</summary>
    private static AppOptions Options()
    {
        var clock = new FakeTimeProvider(AppOptions.DefaultNow);
        return new AppOptions { RealSockets = true, Clock = clock, Tokens = new TestTokens(clock) };
    }
}
