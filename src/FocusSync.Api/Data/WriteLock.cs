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
    private readonly IDbContextTransaction _transaction;
    private SqliteFile? _sqlite;

    private WriteLock(IDbContextTransaction transaction, SqliteFile? sqlite)
    {
        _transaction = transaction;
        _sqlite = sqlite;
    }

    public static async Task<WriteLock> AcquireAsync(FocusSyncDb db, string? userId, CancellationToken cancellationToken)
    {
        SqliteFile? sqlite = null;
        if (db.Database.IsSqlite())
        {
            // SQLite has one writer at a time (and this service one process per file); queueing this process's
            // writers in memory turns a busy database's 150 ms sleep into a short wait, and makes the turn a lock on every user.
            sqlite = SqliteFile.For(db.Database.GetConnectionString() ?? "");
            await sqlite.Turn.WaitAsync(cancellationToken);
        }

        IDbContextTransaction? transaction = null;
        try
        {
            transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (sqlite is not null)
            {
                sqlite.TurnHolder = db.Database.GetDbConnection();
            }
            else if (userId is not null)
            {
                await db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Users\" WHERE \"Id\" = {userId} FOR UPDATE", cancellationToken);
            }

            return new WriteLock(transaction, sqlite);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            if (sqlite is not null)
            {
                sqlite.TurnHolder = null;
                sqlite.Turn.Release();
            }

            throw;
        }
    }

    /// <summary>Commits; with group commit, the turn passes on at once and this returns once the commit is durable.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_sqlite?.GroupCommit is not { } group)
        {
            await _transaction.CommitAsync(cancellationToken);
            Release();
            return;
        }

        var number = group.BeginCommit();
        try
        {
            await _transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            group.EndCommit(number);
            Release();
        }

        await group.WaitDurableAsync(number, cancellationToken);
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
        if (_sqlite is { } sqlite)
        {
            _sqlite = null;
            sqlite.TurnHolder = null;
            sqlite.Turn.Release();
        }
    }
}
