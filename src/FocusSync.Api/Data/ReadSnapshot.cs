using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace FocusSync.Api.Data;

/// <summary>
/// A read-only transaction that sees one committed state for as long as it lasts, whatever commits meanwhile, so a
/// read spanning several queries (an export) is consistent without holding anyone's write lock: PostgreSQL's
/// repeatable read, SQLite's deferred transaction (in WAL mode its first read fixes the snapshot).
/// </summary>
internal sealed class ReadSnapshot : IAsyncDisposable
{
    private readonly FocusSyncDb _db;
    private readonly IDbContextTransaction? _transaction;
    private readonly SqliteTransaction? _sqlite;

    private ReadSnapshot(FocusSyncDb db, IDbContextTransaction? transaction, SqliteTransaction? sqlite)
    {
        _db = db;
        _transaction = transaction;
        _sqlite = sqlite;
    }

    public static async Task<ReadSnapshot> BeginAsync(FocusSyncDb db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            if (db.Database.IsSqlite())
            {
                // Deferred: an immediate transaction (Microsoft.Data.Sqlite's default) would take the write lock.
                var sqlite = ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
                await db.Database.UseTransactionAsync(sqlite, cancellationToken);
                return new ReadSnapshot(db, null, sqlite);
            }

            var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await db.Database.ExecuteSqlRawAsync("SET TRANSACTION READ ONLY", cancellationToken);
            return new ReadSnapshot(db, transaction, null);
        }
        catch
        {
            await db.Database.CloseConnectionAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_transaction is not null)
            {
                await _transaction.DisposeAsync();
            }

            if (_sqlite is not null)
            {
                await _db.Database.UseTransactionAsync(null);
                await _sqlite.DisposeAsync();
            }
        }
        finally
        {
            await _db.Database.CloseConnectionAsync();
        }
    }
}
