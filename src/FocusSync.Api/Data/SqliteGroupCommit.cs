namespace FocusSync.Api.Data;

/// <summary>
/// Group commit for a SQLite file under <c>synchronous=FULL</c>: one fsync makes several writers' commits durable.
/// Each commit runs with <c>synchronous=NORMAL</c> (appended to the WAL, not synced) and is numbered; a writer is
/// acknowledged, and a reader answered, only once an fsync of the WAL that began after that commit ended has
/// completed. Whoever needs a commit durable and finds no fsync running starts one, covering every commit ended by
/// then; those who arrive while it runs wait for it and, if it began before their commit ended, start the next.
/// The promise is FULL's: nothing acknowledged, and nothing anyone has read, is lost by a power cut.
/// </summary>
internal sealed class SqliteGroupCommit(Action syncWal)
{
    private readonly Lock _gate = new();
    private long _started;
    private long _ended;
    private long _durable;
    private TaskCompletionSource _commitEnded = NewSignal();
    private Task? _sync;

    /// <summary>The group commit of the database at <paramref name="databasePath"/>, syncing its WAL file.</summary>
    public static SqliteGroupCommit ForDatabase(string databasePath) => new(() => SyncFile(databasePath + "-wal"));

    /// <summary>The number of the last commit begun: a read has seen at most the commits up to it.</summary>
    public long Started => Volatile.Read(ref _started);

    /// <summary>The number of the last commit known to be durable.</summary>
    public long Durable => Volatile.Read(ref _durable);

    /// <summary>Numbers a commit about to run; called by the writer holding the turn, so commits end in their numbers' order.</summary>
    public long BeginCommit() => Interlocked.Increment(ref _started);

    /// <summary>Says that commit <paramref name="number"/> ended (committed or failed): a sync from now on covers it.</summary>
    public void EndCommit(long number)
    {
        TaskCompletionSource ended;
        lock (_gate)
        {
            _ended = number;
            ended = _commitEnded;
            _commitEnded = NewSignal();
        }

        ended.SetResult();
    }

    /// <summary>Completes once commit <paramref name="number"/> and every commit before it are durable.</summary>
    public ValueTask WaitDurableAsync(long number, CancellationToken cancellationToken) =>
        Durable >= number ? ValueTask.CompletedTask : new ValueTask(WaitAsync(number, cancellationToken));

    private async Task WaitAsync(long number, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (_durable >= number)
                {
                    return;
                }

                // A sync started before the commit ended would not cover it: wait for the end, then for a sync.
                next = _ended < number ? _commitEnded.Task : _sync ??= Task.Run(Sync, CancellationToken.None);
            }

            await next.WaitAsync(cancellationToken);
        }
    }

    private void Sync()
    {
        try
        {
            long covered;
            lock (_gate)
            {
                covered = _ended;
            }

            syncWal();
            lock (_gate)
            {
                Volatile.Write(ref _durable, Math.Max(_durable, covered));
            }
        }
        finally
        {
            lock (_gate)
            {
                _sync = null;
            }
        }
    }

    /// <summary>
    /// fsync of the WAL file, through a descriptor of our own: SQLite's locks in WAL mode are on the database and
    /// <c>-shm</c> files, so opening and closing the <c>-wal</c> file releases none of them. A missing WAL file means
    /// the last connection closed, and closing checkpointed the WAL into the database file and synced it.
    /// </summary>
    private static void SyncFile(string walPath)
    {
        try
        {
            using var wal = new FileStream(walPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            wal.Flush(flushToDisk: true);
        }
        catch (FileNotFoundException)
        {
            // Nothing to sync: see above.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
