using FocusSync.Api.Data;

namespace FocusSync.Tests.Data;

/// <summary>
/// Group commit's barrier: a commit counts as durable only once a WAL sync that began after the commit ended has
/// completed; commits ended before a sync share it; a failed sync makes no commit durable.
/// </summary>
public sealed class SqliteGroupCommitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CommitsEndedBeforeASyncShareIt()
    {
        var wal = new GatedSync();
        var group = new SqliteGroupCommit(wal.Sync);
        var numbers = Enumerable.Range(0, 5).Select(_ => group.BeginCommit()).ToList();
        numbers.ForEach(group.EndCommit);

        var waits = numbers.Select(n => group.WaitDurableAsync(n, Ct).AsTask()).ToList();
        await wal.Entered(1);
        wal.Open();
        await Task.WhenAll(waits).WaitAsync(Patience, Ct);

        Assert.Equal(1, wal.Count);
        Assert.Equal(5, group.Durable);
    }

    [Fact]
    public async Task ACommitEndedWhileASyncRunsWaitsForTheNextSync()
    {
        var wal = new GatedSync();
        var group = new SqliteGroupCommit(wal.Sync);
        var first = group.BeginCommit();
        group.EndCommit(first);
        var firstDurable = group.WaitDurableAsync(first, Ct).AsTask();
        await wal.Entered(1);

        var second = group.BeginCommit();
        group.EndCommit(second);
        var secondDurable = group.WaitDurableAsync(second, Ct).AsTask();
        wal.Release();
        await firstDurable.WaitAsync(Patience, Ct);

        Assert.Equal(first, group.Durable);
        await wal.Entered(2);
        Assert.False(secondDurable.IsCompleted);
        wal.Release();
        await secondDurable.WaitAsync(Patience, Ct);
        Assert.Equal(second, group.Durable);
    }

    [Fact]
    public async Task AReadOfACommitStillRunningWaitsForItsEndThenForASync()
    {
        var wal = new GatedSync();
        wal.Open();
        var group = new SqliteGroupCommit(wal.Sync);
        var running = group.BeginCommit();

        var read = group.WaitDurableAsync(group.Started, Ct).AsTask();

        Assert.False(read.IsCompleted);
        Assert.Equal(0, wal.Count);
        group.EndCommit(running);
        await read.WaitAsync(Patience, Ct);
        Assert.Equal(1, wal.Count);
        Assert.Equal(running, group.Durable);
    }

    [Fact]
    public async Task AFailedSyncMakesNothingDurableAndTheNextWaitSyncsAgain()
    {
        var failures = 1;
        var syncs = 0;
        var group = new SqliteGroupCommit(() =>
        {
            syncs++;
            if (failures-- > 0)
            {
                throw new IOException("disk gone");
            }
        });
        var number = group.BeginCommit();
        group.EndCommit(number);

        await Assert.ThrowsAsync<IOException>(() => group.WaitDurableAsync(number, Ct).AsTask().WaitAsync(Patience, Ct));
        Assert.Equal(0, group.Durable);
        await group.WaitDurableAsync(number, Ct).AsTask().WaitAsync(Patience, Ct);
        Assert.Equal(2, syncs);
        Assert.Equal(number, group.Durable);
    }

    [Fact]
    public async Task ACommitAlreadyDurableIsNotSyncedAgain()
    {
        var wal = new GatedSync();
        wal.Open();
        var group = new SqliteGroupCommit(wal.Sync);
        var number = group.BeginCommit();
        group.EndCommit(number);
        await group.WaitDurableAsync(number, Ct).AsTask().WaitAsync(Patience, Ct);

        Assert.True(group.WaitDurableAsync(number, Ct).AsTask().IsCompletedSuccessfully);
        Assert.Equal(1, wal.Count);
    }
}

/// <summary>A WAL sync that blocks until the test lets it through, one at a time or for good, and counts its calls.</summary>
internal sealed class GatedSync
{
    private readonly SemaphoreSlim _pass = new(0);
    private readonly SemaphoreSlim _entered = new(0);
    private volatile bool _open;
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Sync()
    {
        Interlocked.Increment(ref _count);
        _entered.Release();
        if (!_open)
        {
            _pass.Wait();
        }
    }

    /// <summary>Waits until the <paramref name="number"/>th sync has begun.</summary>
    public async Task Entered(int number)
    {
        while (Count < number)
        {
            Assert.True(await _entered.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), $"Sync {number} never began.");
        }
    }

    public void Release() => _pass.Release();

    /// <summary>Lets every sync through from now on, including one already waiting.</summary>
    public void Open()
    {
        _open = true;
        _pass.Release();
    }
}
