using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace FocusSync.Api.Data;

/// <summary>
/// One SQLite database as this process writes it (the service is one process per file): the writers' turn, who
/// holds it, and, under <c>synchronous=FULL</c> with group commit, the <see cref="SqliteGroupCommit"/> that makes
/// commits durable.
/// </summary>
internal sealed class SqliteFile
{
    private static readonly ConcurrentDictionary<string, SqliteFile> Files = new();
    private DbConnection? _turnHolder;

    private SqliteFile(string connectionString)
    {
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        Path = dataSource is "" or ":memory:" || dataSource.StartsWith("file:", StringComparison.Ordinal)
            ? null
            : System.IO.Path.GetFullPath(dataSource);
    }

    /// <summary>The database file's full path; null for an in-memory database or a URI, which group commit leaves alone.</summary>
    public string? Path { get; }

    /// <summary>One writer at a time: SQLite has one, and Microsoft.Data.Sqlite answers a busy database by sleeping 150 ms.</summary>
    public SemaphoreSlim Turn { get; } = new(1, 1);

    /// <summary>Set when the service starts with group commit; its connections then run with <c>synchronous=NORMAL</c>.</summary>
    public SqliteGroupCommit? GroupCommit { get; set; }

    /// <summary>The connection whose transaction holds the turn: its own reads need not wait for durability.</summary>
    public DbConnection? TurnHolder
    {
        get => Volatile.Read(ref _turnHolder);
        set => Volatile.Write(ref _turnHolder, value);
    }

    public static SqliteFile For(string connectionString) => Files.GetOrAdd(connectionString, c => new SqliteFile(c));
}
