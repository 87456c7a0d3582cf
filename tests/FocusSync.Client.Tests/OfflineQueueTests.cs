using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Client.Tests;

/// <summary>Actions taken while the server is unreachable: applied at once, queued durably, replayed exactly once.</summary>
public sealed class OfflineQueueTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("focussync-client-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AViewTakenOfflineActedOnKilledAndRestartedReplaysItsQueueExactlyOnceAndEndsEqualToTheServer(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var clock = new FakeTimeProvider(AppOptions.DefaultNow);
        var options = new AppOptions { RealSockets = true, Clock = clock, Tokens = new TestTokens(clock) };
        var before = FocusSyncApp.Start(database, options);
        var address = before.Address;
        var uid = FocusSyncApp.NewUserId();
        var path = Path.Combine(_folder, "operations.json");
        var tokens = new SwitchableTokens(before, uid);
        var killed = FocusSyncView.Create(ClientKit.Options(before, tokens.Provide, new JsonFileOperationStore(path)));
        await killed.StartAsync(Ct);
        using (var early = ClientKit.RestClient(before, uid))
        {
            var existing = await early.CreateSessionAsync(NewSession.Countdown("existing", TimeSpan.FromHours(1), 120), cancellationToken: Ct);
            await killed.UntilAsync(() => killed.Sessions.Any(s => s.Id == existing.Id), "the view shows the session");
        }

        await before.DisposeAsync();
        await killed.UntilAsync(() => killed.ConnectionState != ConnectionState.Connected, "the view notices the server is gone");
        var existingId = killed.Sessions.Single().Id;
        await killed.StartSessionAsync(existingId, Ct);
        var created = await killed.CreateSessionAsync(NewSession.Countdown("offline", TimeSpan.FromMinutes(30), 60), Ct);
        await killed.StartSessionAsync(created.Id, Ct);
        Assert.Equal(3, killed.PendingOperations);
        Assert.Equal([("existing", "PAUSED"), ("offline", "RUNNING")], killed.Sessions.Select(s => (s.Title, s.State)));
        Assert.All(killed.Sessions, s => Assert.True(s.IsPending));

        // Killed: never heard from again (its token provider is gone with its process). A killed process's lock on the
        // store goes with it; disposing releases it here, and leaves a queue that is not empty as it was.
        tokens.Offline = true;
        await killed.DisposeAsync();
        await using var after = FocusSyncApp.Start(database, options with { Port = address.Port });
        using var server = ClientKit.RestClient(after, uid);
        await using var restarted = await ClientKit.ViewAsync(after, uid, new JsonFileOperationStore(path));

        await ClientKit.AssertEqualToServerAsync(server, restarted);
        var sessions = (await server.GetSessionsAsync(Ct)).Sessions;
        Assert.Equal([("existing", "PAUSED", 3), ("offline", "RUNNING", 2)], sessions.Select(s => (s.Title, s.State, s.Version)));
        Assert.Empty(await new JsonFileOperationStore(path).LoadAsync(Ct));
        Assert.Equal(0, restarted.PendingOperations);
    }

    [Fact]
    public async Task TheFileStoreKeepsTheQueueAcrossInstancesAndLeavesNoTemporaryFileOnlyItsLock()
    {
        var path = Path.Combine(_folder, "queue", "operations.json");
        QueuedOperation[] queue =
        [
            new("key-1", OperationKind.Create, null, new() { ["title"] = "a", ["noGoal"] = true }, 1_780_000_000_000, null) { LocalId = -1 },
            new("key-2", OperationKind.Start, -1, null, 1_780_000_000_500, 1),
        ];

        await new JsonFileOperationStore(path).SaveAsync(queue, Ct);
        var read = await new JsonFileOperationStore(path).LoadAsync(Ct);

        Assert.Equal(
            queue.Select(o => (o.IdempotencyKey, o.Kind, o.SessionId, o.Body?.ToJsonString(), o.At, o.BaseVersion, o.LocalId)),
            read.Select(o => (o.IdempotencyKey, o.Kind, o.SessionId, o.Body?.ToJsonString(), o.At, o.BaseVersion, o.LocalId)));
        Assert.Equal(["operations.json", "operations.json.lock"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task ASaveKilledBeforeItsRenameLeavesTheLastQueueAndTheNextSaveReplacesItsPartialFile()
    {
        var path = Path.Combine(_folder, "operations.json");
        var store = new JsonFileOperationStore(path);
        QueuedOperation start = new("key-1", OperationKind.Start, 7, null, 1_780_000_000_000, 1);
        QueuedOperation pause = new("key-2", OperationKind.Pause, 7, null, 1_780_000_000_500, 2);
        await store.SaveAsync([start], Ct);
        await File.WriteAllTextAsync(path + ".tmp", "{\"format\":1,\"operations\":[{\"idempotencyKey\":\"key-1\",", Ct);

        Assert.Equal(["key-1"], (await new JsonFileOperationStore(path).LoadAsync(Ct)).Select(o => o.IdempotencyKey));

        await store.SaveAsync([start, pause], Ct);
        Assert.Equal(["key-1", "key-2"], (await new JsonFileOperationStore(path).LoadAsync(Ct)).Select(o => o.IdempotencyKey));
        Assert.Equal(["operations.json", "operations.json.lock"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task TheFileStoreKeepsTheLastKnownStateInAFileOfItsOwnReadableOnlyByItsOwner()
    {
        var store = new JsonFileOperationStore(Path.Combine(_folder, "operations.json"));
        var user = new User("user-1", "Ada", null, DateTimeOffset.UnixEpoch, "Europe/Paris", "04:00", "MONDAY", true, "2026-06-01", 1_780_300_000_000, 1_780_290_000_000);
        var session = new Session(
            7, "Write", 3, false, 1500, 1200.5, 1_780_290_300_000, 1_780_289_000_000, "RUNNING", false, 120, 300.25, 4, DateTimeOffset.UnixEpoch);
        var snapshot = new ViewSnapshot(
            12, 1_780_290_000_000, user, [new Group(3, "Deep work", "")], [new SnapshotSession(session, 1_780_290_000_000, 1_780_289_000_000)], 3_600_000);

        await store.SaveAsync([], Ct);
        await store.SaveSnapshotAsync(snapshot, Ct);
        var read = await new JsonFileOperationStore(store.Path).LoadSnapshotAsync(Ct);

        Assert.Equal(
            (snapshot.Seq, snapshot.AsOfMs, snapshot.User, snapshot.Groups.Single(), snapshot.Sessions.Single(), snapshot.ClockOffsetMs),
            (read!.Seq, read.AsOfMs, read.User, read.Groups.Single(), read.Sessions.Single(), read.ClockOffsetMs));
        Assert.Equal(["operations.json", "operations.json.lock", "operations.snapshot.json"], Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        Assert.Empty(await store.LoadAsync(Ct));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.SnapshotPath));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
