using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Client.Tests;

/// <summary>A view started while the server is unreachable: the last known state from the store, acted on until the server answers.</summary>
public sealed class OfflineStartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AViewStartedWithoutTheServerShowsTheLastKnownStateActsOnItAndTakesTheServersStateOnceItAnswers(Db db)
    {
        var serverClock = new FakeTimeProvider(AppOptions.DefaultNow);
        // An hour behind the server's: the countdowns are right offline only with the offset the last run saved.
        var deviceClock = new FakeTimeProvider(AppOptions.DefaultNow - TimeSpan.FromHours(1));
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true, Clock = serverClock });
        var uid = FocusSyncApp.NewUserId();
        var store = new MemoryOperationStore();
        using var other = ClientKit.RestClient(app, uid);
        var group = await other.CreateGroupAsync("Deep work", cancellationToken: Ct);
        var write = await other.CreateSessionAsync(NewSession.Countdown("Write", TimeSpan.FromMinutes(25), 120, group.Id), cancellationToken: Ct);
        var read = await other.CreateSessionAsync(NewSession.Countdown("Read", TimeSpan.FromMinutes(30), 60), cancellationToken: Ct);
        await using (var online = await ClientKit.ConnectAsync(ClientKit.Options(app, ClientKit.TokensOf(app, uid), store, device: deviceClock)))
        {
            await online.UntilAsync(() => online.Sessions.Count == 2, "the view shows both sessions");
        }

        await other.EditSessionAsync(read.Id, new SessionChanges(Title: "Read more"), cancellationToken: Ct);
        var network = new GatedTokens(app, uid);
        await using var view = FocusSyncView.Create(ClientKit.Options(app, network.Provide, store, device: deviceClock));
        var changes = new List<ViewChange>();
        view.Changed += (_, e) => changes.Add(e.Change);
        using (var timeout = new CancellationTokenSource(ClientKit.Timeout))
        {
            await view.StartAsync(timeout.Token);
        }

        Assert.NotEqual(ConnectionState.Connected, view.ConnectionState);
        Assert.Equal([ViewChange.Restored], changes);
        Assert.Equal(
            [(write.Id, "Write", group.Id, "PAUSED", 1500.0), (read.Id, "Read", null, "PAUSED", 1800.0)],
            view.Sessions.Select(s => (s.Id, s.Title, s.GroupId, s.State, s.TimeLeft ?? 0)));
        Assert.Equal([group], view.Groups);
        Assert.Equal(uid, view.User!.Id);
        Assert.Equal(serverClock.GetUtcNow(), view.ServerNow);

        await view.StartSessionAsync(write.Id, Ct);
        deviceClock.Advance(TimeSpan.FromSeconds(10));
        serverClock.Advance(TimeSpan.FromSeconds(10));
        var started = view.Sessions.Single(s => s.Id == write.Id);
        Assert.Equal(("RUNNING", true, 1490.0), (started.State, started.IsPending, started.TimeLeft));

        var seq = (await other.GetSessionsAsync(Ct)).Seq;
        network.Connect();
        await ClientKit.AssertEqualToServerAsync(other, view);

        Assert.Equal(["start"], (await other.GetChangesAsync(seq, cancellationToken: Ct)).Events.Select(e => e.Type));
        Assert.Equal(
            [("Write", "RUNNING", 1490.0), ("Read more", "PAUSED", 1800.0)],
            view.Sessions.Select(s => (s.Title, s.State, s.TimeLeft ?? 0)));
        Assert.Equal(0, view.PendingOperations);
    }

    [Fact]
    public async Task AViewClosedBeforeTheAnswerToItsCreateSavesNoStateHoldingItSoTheNextOfflineStartShowsItOnce()
    {
        await using var app = await ClientKit.StartAppAsync(Db.Sqlite);
        var uid = FocusSyncApp.NewUserId();
        var store = new MemoryOperationStore();
        using var server = ClientKit.RestClient(app, uid);
        await server.CreateSessionAsync(NewSession.Stopwatch("Read"), cancellationToken: Ct);
        var view = await ClientKit.ConnectAsync(ClientKit.Options(app, ClientKit.TokensOf(app, uid), store, new AnswerLostHandler()));
        await ClientKit.AssertEqualToServerAsync(server, view);

        var before = view.Seq;
        await view.CreateSessionAsync(NewSession.Stopwatch("Write"), Ct);
        await view.UntilAsync(() => view.Seq == before + 1, "the view has the create's event but not the answer");
        Assert.Equal(1, view.PendingOperations);
        await view.DisposeAsync();

        await using var restarted = FocusSyncView.Create(ClientKit.Options(app, new GatedTokens(app, uid).Provide, store));
        using (var timeout = new CancellationTokenSource(ClientKit.Timeout))
        {
            await restarted.StartAsync(timeout.Token);
        }

        Assert.Equal([("Read", false), ("Write", true)], restarted.Sessions.Select(s => (s.Title, s.IsPending)));
    }

    [Fact]
    public async Task AViewWhoseLastKnownStateCannotBeReadStartsFromTheServer()
    {
        var folder = Directory.CreateTempSubdirectory("focussync-client-").FullName;
        try
        {
            await using var app = await ClientKit.StartAppAsync(Db.Sqlite);
            var uid = FocusSyncApp.NewUserId();
            using var server = ClientKit.RestClient(app, uid);
            await server.CreateSessionAsync(NewSession.Stopwatch("Read"), cancellationToken: Ct);
            var store = new JsonFileOperationStore(Path.Combine(folder, "operations.json"));
            await File.WriteAllTextAsync(store.SnapshotPath, "{\"format\":1,\"snapshot\":{\"seq\":", Ct);

            await using var view = await ClientKit.ViewAsync(app, uid, store);

            await ClientKit.AssertEqualToServerAsync(server, view);
            Assert.Equal(["Read"], view.Sessions.Select(s => s.Title));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task AnActionBeforeTheViewHasStartedIsRefusedRatherThanReplacingTheStoredQueue()
    {
        var store = new MemoryOperationStore();
        await store.SaveAsync(
            [new QueuedOperation("key-1", OperationKind.Create, null, new() { ["title"] = "offline", ["noGoal"] = true }, 1_780_000_000_000, null) { LocalId = -1 }],
            Ct);
        await using var view = FocusSyncView.Create(new FocusSyncViewOptions
        {
            BaseAddress = new Uri("http://127.0.0.1:9/"),
            TokenProvider = _ => ValueTask.FromResult("unused"),
            Store = store,
        });

        await Assert.ThrowsAsync<InvalidOperationException>(() => view.CreateSessionAsync(NewSession.Stopwatch("too early"), Ct));

        Assert.Equal(["key-1"], (await store.LoadAsync(Ct)).Select(o => o.IdempotencyKey));
    }
}

/// <summary>Sends <c>POST /sync</c> to the server, then never hands the answer back: a connection lost on the way back.</summary>
public sealed class AnswerLostHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri!.AbsolutePath.EndsWith("/sync", StringComparison.Ordinal))
        {
            response.Dispose();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return response;
    }
}
