using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Cli.Tests;

/// <summary>
/// A one-shot command while <c>watch</c> holds the account's offline queue: its action is sent, or refused with its
/// own exit code and a message naming the queue, never queued where the watch's next save would overwrite it.
/// </summary>
public sealed class SharedQueueTests : IDisposable
{
    private readonly Person _person = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStartWhileWatchRunsOnlineIsSentAndTheWatchShowsIt(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });
        var uid = FocusSyncApp.NewUserId();
        await _person.OkAsync("login", "--server", app.Address.ToString(), "--token", app.Tokens.Mint(uid));
        await _person.OkAsync("add", "Write");
        using var output = new LiveWriter();
        using var ctrlC = new CancellationTokenSource(Person.Timeout);
        var watch = Watch(output, ctrlC.Token);

        await output.UntilAsync(text => text.Contains(" live ", StringComparison.Ordinal) && text.Contains("Write", StringComparison.Ordinal), "watch shows the session live");
        var start = await _person.OkAsync("start", "Write");
        await output.UntilAsync(text => text.Contains("RUNNING", StringComparison.Ordinal), "watch shows the start");
        await ctrlC.CancelAsync();

        Assert.Equal(ExitCodes.Ok, await watch);
        Assert.Equal("RUNNING", CliKit.RowOf(start.Out, "Write")[2]);
        using var server = CliKit.RestClient(app, uid);
        Assert.Equal("RUNNING", Assert.Single((await server.GetSessionsAsync(Ct)).Sessions).State);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStartWhileWatchHoldsTheQueueOfflineIsRefusedNamingTheQueueAndQueuedOnceTheWatchHasEnded(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var (options, uid) = await SignedInThenServerGoneAsync(database, "Write");
        using var output = new LiveWriter();
        using var ctrlC = new CancellationTokenSource(Person.Timeout);
        var watch = Watch(output, ctrlC.Token);

        await output.UntilAsync(text => text.Contains("connecting…", StringComparison.Ordinal), "watch waits for the server, holding the queue");
        var held = await _person.RunAsync("start", "Write", "--timeout", "3s");
        var secondWatch = await _person.RunAsync("watch", "--for", "1s", "--timeout", "3s");
        await ctrlC.CancelAsync();
        var watchExit = await watch;
        var queued = await _person.OkAsync("start", "Write", "--timeout", "3s");
        await using var after = FocusSyncApp.Start(database, options);
        var sync = await _person.OkAsync("sync");

        Assert.Equal(ExitCodes.Busy, held.ExitCode);
        Assert.Contains("nothing was queued", held.Error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_person.ConfigDirectory, "queue-"), held.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Busy, secondWatch.ExitCode);
        Assert.Contains("one watch per account", secondWatch.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, watchExit);
        Assert.Contains("queued (offline): 1 changes waiting", queued.Out, StringComparison.Ordinal);
        Assert.Contains("synced: 1 of 1 queued changes applied", sync.Out, StringComparison.Ordinal);
        using var server = CliKit.RestClient(after, uid);
        var session = Assert.Single((await server.GetSessionsAsync(Ct)).Sessions);
        Assert.Equal(("RUNNING", 2), (session.State, session.Version));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WhileAnotherProcessHoldsAQueueWithChangesAnActionIsSentDirectlyAndSyncLeavesThemToThatProcess(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var (options, uid) = await SignedInThenServerGoneAsync(database, "Write", "Read");
        await _person.OkAsync("start", "Write", "--timeout", "3s");
        await using var after = FocusSyncApp.Start(database, options);
        var queue = new Client.JsonFileOperationStore(Directory.GetFiles(_person.ConfigDirectory, "queue-*.json").Single());

        CliResult start, sync;
        await using (await queue.ClaimAsync(Ct))
        {
            start = await _person.OkAsync("start", "Read");
            sync = await _person.RunAsync("sync");
        }

        var released = await _person.OkAsync("sync");

        Assert.Equal("RUNNING", CliKit.RowOf(start.Out, "Read")[2]);
        Assert.Contains($"not synced here: 1 queued changes wait in {queue.Path}", start.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Busy, sync.ExitCode);
        Assert.Contains("not synced here", sync.Error, StringComparison.Ordinal);
        Assert.Contains("synced: 1 of 1 queued changes applied", released.Out, StringComparison.Ordinal);
        using var server = CliKit.RestClient(after, uid);
        Assert.Equal("RUNNING", (await server.GetSessionsAsync(Ct)).Sessions.Single(s => s.Title == "Write").State);
    }

    public void Dispose() => _person.Dispose();

    /// <summary>
    /// Signs in against a server on <paramref name="database"/>, adds the sessions, then stops the server; the options
    /// returned start it again on the same port, clock and tokens.
    /// </summary>
    private async Task<(AppOptions Options, string Uid)> SignedInThenServerGoneAsync(TestDatabase database, params string[] titles)
    {
        var clock = new FakeTimeProvider(AppOptions.DefaultNow);
        var options = new AppOptions { RealSockets = true, Clock = clock, Tokens = new TestTokens(clock) };
        var uid = FocusSyncApp.NewUserId();
        await using (var before = FocusSyncApp.Start(database, options))
        {
            await _person.OkAsync("login", "--server", before.Address.ToString(), "--token", before.Tokens.Mint(uid));
            foreach (var title in titles)
            {
                await _person.OkAsync("add", title);
            }

            options = options with { Port = before.Address.Port };
        }

        return (options, uid);
    }

    /// <summary>Runs <c>watch</c> in-process until <paramref name="ctrlC"/> is cancelled.</summary>
    private Task<int> Watch(LiveWriter output, CancellationToken ctrlC) =>
        FocusSyncCli.RunAsync(["watch"], new CliContext(output, TextWriter.Null, _person.ConfigDirectory, Ansi: false), cancellationToken: ctrlC);
}
