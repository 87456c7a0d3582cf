using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace FocusSync.Api.Data;

/// <summary>
/// A write transaction, and on SQLite this process's turn to write. Taken for a user, it also holds that
/// user's row, so that nobody else commits a change of theirs until this one commits or rolls back; taken
/// for no user (housekeeping), it is only the transaction and the turn.
/// </summary>
internal sealed class WriteLock : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteWriters = new();
    private readonly IDbContextTransaction _transaction;
    private SemaphoreSlim? _writer;

    private WriteLock(IDbContextTransaction transaction, SemaphoreSlim? writer)
    {
        _transaction = transaction;
        _writer = writer;
    }

    public static async Task<WriteLock> AcquireAsync(FocusSyncDb db, string? userId, CancellationToken cancellationToken)
    {
        SemaphoreSlim? writer = null;
        if (db.Database.IsSqlite())
        {
            // SQLite has one writer at a time (and this service one process per file), and Microsoft.Data.Sqlite
            // answers a busy database by sleeping 150 ms; queueing this process's writers in memory turns that
            // sleep into a short wait, and makes the turn a lock on every user.
            writer = SqliteWriters.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
            await writer.WaitAsync(cancellationToken);
        }

        IDbContextTransaction? transaction = null;
        try
        {
            transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (writer is null && userId is not null)
            {
                await db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Users\" WHERE \"Id\" = {userId} FOR UPDATE", cancellationToken);
            }

            return new WriteLock(transaction, writer);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            writer?.Release();
            throw;
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _transaction.CommitAsync(cancellationToken);
        Release();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _transaction.DisposeAsync();
        }
        finally
        {
            Release();
        }
    }

    private void Release()
    {
        _writer?.Release();
        _writer = null;
    }
}
