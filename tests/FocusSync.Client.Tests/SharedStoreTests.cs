using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Client.Tests;

/// <summary>
/// Two views on one store, which would each save the queue they loaded over the other's: the second is refused at
/// once, naming the store, and nothing the first queued is lost. No server: the views start from the last known state.
/// </summary>
public sealed class SharedStoreTests : IDisposable
{
    private static readonly Uri Unreachable = new("http://127.0.0.1:1/");

    private readonly string _folder = Directory.CreateTempSubdirectory("focussync-shared-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASecondViewOrWriterOnAQueueFileAViewHoldsIsRefusedNamingTheFileAndEveryQueuedOperationIsKept()
    {
        var path = Path.Combine(_folder, "operations.json");
        await new JsonFileOperationStore(path).SaveSnapshotAsync(Snapshot(), Ct);
        await using var first = FocusSyncView.Create(Options(new JsonFileOperationStore(path)));
        await first.StartAsync(Ct);
        var created = await first.CreateSessionAsync(NewSession.Stopwatch("Offline"), Ct);
        await using var second = FocusSyncView.Create(Options(new JsonFileOperationStore(path)));

        var refused = await Assert.ThrowsAsync<OperationStoreInUseException>(() => second.StartAsync(Ct));
        var overwrite = await Assert.ThrowsAsync<OperationStoreInUseException>(async () =>
            await new JsonFileOperationStore(path).SaveAsync([new QueuedOperation("other", OperationKind.ResetAll, null, null, 0, null)], Ct));
        await first.StartSessionAsync(created.Id, Ct);
        var keys = (await new JsonFileOperationStore(path).LoadAsync(Ct)).Select(o => o.IdempotencyKey).ToList();
        await first.DisposeAsync();
        await second.StartAsync(Ct);

        Assert.Equal(Path.GetFullPath(path), refused.Store);
        Assert.Contains(Path.GetFullPath(path), refused.Message, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(path), overwrite.Store);
        Assert.Equal(2, keys.Count);
        Assert.Equal(keys, (await new JsonFileOperationStore(path).LoadAsync(Ct)).Select(o => o.IdempotencyKey));
        Assert.Equal(2, second.PendingOperations);
        Assert.Equal([("Offline", "RUNNING")], second.Sessions.Select(s => (s.Title, s.State)));
    }

    [Fact]
    public async Task TwoViewsOnOneStoreInstanceCannotBothRunAndTheSecondStartsWithTheFirstsQueueOnceItIsDisposed()
    {
        var store = new MemoryOperationStore();
        await store.SaveSnapshotAsync(Snapshot(), Ct);
        await using var first = FocusSyncView.Create(Options(store));
        await first.StartAsync(Ct);
        await first.CreateSessionAsync(NewSession.Stopwatch("Offline"), Ct);
        await using var second = FocusSyncView.Create(Options(store));

        await Assert.ThrowsAsync<OperationStoreInUseException>(() => second.StartAsync(Ct));
        await first.DisposeAsync();
        await second.StartAsync(Ct);

        Assert.Equal(1, second.PendingOperations);
        Assert.Equal(["Offline"], second.Sessions.Select(s => s.Title));
    }

    [Fact]
    public async Task AClaimOnTheFileStoreExcludesEveryOtherInstanceOnTheSameFileUntilItIsReleased()
    {
        var path = Path.Combine(_folder, "operations.json");
        var store = new JsonFileOperationStore(path);
        var claim = await store.ClaimAsync(Ct);
        await store.SaveAsync([new QueuedOperation("mine", OperationKind.ResetAll, null, null, 0, null)], Ct);

        await Assert.ThrowsAsync<OperationStoreInUseException>(async () => await store.ClaimAsync(Ct));
        await Assert.ThrowsAsync<OperationStoreInUseException>(async () => await new JsonFileOperationStore(path).ClaimAsync(Ct));
        await claim.DisposeAsync();
        await claim.DisposeAsync();
        await using (await new JsonFileOperationStore(path).ClaimAsync(Ct))
        {
            Assert.Equal(["mine"], (await store.LoadAsync(Ct)).Select(o => o.IdempotencyKey));
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.LockPath));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A server that never answers, and a device clock that never moves, so the view waits out its first retry for ever.</summary>
    private static FocusSyncViewOptions Options(IOperationStore store) => new()
    {
        BaseAddress = Unreachable,
        TokenProvider = _ => ValueTask.FromResult("token"),
        Store = store,
        TimeProvider = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_780_290_000_000)),
    };

    private static ViewSnapshot Snapshot() => new(
        12, 1_780_290_000_000,
        new User("user-1", "Ada", null, DateTimeOffset.UnixEpoch, "Europe/Paris", "04:00", "MONDAY", true, "2026-06-01", 1_780_300_000_000, 1_780_290_000_000),
        [], [], 0);
}
