using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using FocusSync.Api.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    [RegularExpression("^(Sqlite|Postgres)$", ErrorMessage = "Database:Provider must be Sqlite or Postgres.")]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Apply pending migrations when the service starts.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>SQLite's <c>synchronous</c> setting: FULL (survives a power cut) or NORMAL (survives a process crash).</summary>
    [RegularExpression("^(FULL|NORMAL)$", ErrorMessage = "Database:SqliteSynchronous must be FULL or NORMAL.")]
    public string SqliteSynchronous { get; set; } = "FULL";

    /// <summary>
    /// With <c>FULL</c>, commit with group commit (<see cref="Data.SqliteGroupCommit"/>): one fsync for the commits of
    /// several requests, each acknowledged once it is durable. False: one fsync per commit, SQLite's own FULL.
    /// </summary>
    public bool SqliteGroupCommit { get; set; } = true;
}

public static class DataSetup
{
    public const string DefaultSqlite = "Data Source=focussync.db";

    public static WebApplicationBuilder AddFocusSyncData(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<DatabaseOptions>(DatabaseOptions.Section);
        var database = builder.Configuration.ReadSettings<DatabaseOptions>(DatabaseOptions.Section);
        var connection = builder.Configuration.GetConnectionString("Default");
        if (database.Provider == "Postgres")
        {
            if (string.IsNullOrWhiteSpace(connection))
            {
                throw new InvalidOperationException(
                    "ConnectionStrings:Default is required when Database:Provider is Postgres.");
            }

            builder.Services.AddDbContextPool<FocusSyncDb, PostgresFocusSyncDb>(o => QuietConflicts(o.UseNpgsql(connection)));
        }
        else
        {
            var sqlite = connection ?? DefaultSqlite;
            var file = SqliteFile.For(sqlite);
            var synchronous = database.SqliteSynchronous == "NORMAL" ? "NORMAL" : "FULL";
            file.GroupCommit = synchronous == "FULL" && database.SqliteGroupCommit && file.Path is { } path
                ? file.GroupCommit ?? SqliteGroupCommit.ForDatabase(path)
                : null;
            var durability = new SqliteDurability(file, synchronous);
            var durableReads = new DurableReads(file);
            builder.Services.AddDbContextPool<FocusSyncDb, SqliteFocusSyncDb>(o =>
                QuietConflicts(o.UseSqlite(sqlite).AddInterceptors(durability, durableReads)));
        }

        builder.Services.AddSettings<IdempotencyOptions>(IdempotencyOptions.Section);
        builder.Services.AddHostedService<IdempotencyPruner>();
        builder.Services.AddHealthChecks().AddDbContextCheck<FocusSyncDb>("database", tags: [HealthSetup.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// A lost race between two changes of one user is expected and retried by the change pipeline;
    /// EF Core would log each as an error. A request that still fails is logged by the exception handler.
    /// </summary>
    private static DbContextOptionsBuilder QuietConflicts(DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log(
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (CoreEventId.OptimisticConcurrencyException, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug)));

    /// <summary>
    /// Applies pending migrations when the service starts (unless <c>Database:MigrateOnStart</c> is false),
    /// or only that when started with <c>--migrate</c>; returns whether the service should go on to run.
    /// </summary>
    public static async Task<bool> PrepareFocusSyncDataAsync(this WebApplication app, string[] args)
    {
        var migrateOnly = args.Contains("--migrate");
        if (migrateOnly || app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FocusSyncDb>();
            // EF Core takes a database lock while migrating, so instances starting together do not race.
            await db.Database.MigrateAsync();
            if (db.Database.IsSqlite())
            {
                // WAL lets readers proceed during a write; the mode is stored in the database file.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            }
        }

        return !migrateOnly;
    }

    /// <summary>
    /// synchronous=FULL (the default) makes every commit durable before it is acknowledged, so an acknowledged action
    /// survives a power cut, not only a process crash: SQLite's own FULL syncs the WAL at every commit; with group
    /// commit the connections run NORMAL and <see cref="SqliteGroupCommit"/> syncs the WAL once for several commits.
    /// NORMAL alone syncs only at checkpoints, which still survives a crash of the service but may lose the last
    /// commits on a power cut, for a faster commit.
    /// </summary>
    private sealed class SqliteDurability(SqliteFile file, string synchronous) : DbConnectionInterceptor
    {
        private readonly string _configured = $"PRAGMA synchronous={synchronous};";

        private string Pragma => file.GroupCommit is null ? _configured : "PRAGMA synchronous=NORMAL;";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(
            DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// With group commit, a commit is visible to other connections before its fsync; a read that may have seen it
    /// waits until it is durable, so that no client is shown (and builds on) a change a power cut could take back.
    /// The turn holder's own reads do not wait: what they see is acknowledged only with its commit, once durable.
    /// </summary>
    private sealed class DurableReads(SqliteFile file) : DbCommandInterceptor
    {
        public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
        {
            if (MustWait(command) is { } group)
            {
                group.WaitDurableAsync(group.Started, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            return result;
        }

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (MustWait(command) is { } group)
            {
                await group.WaitDurableAsync(group.Started, cancellationToken);
            }

            return result;
        }

        private SqliteGroupCommit? MustWait(DbCommand command) =>
            file.GroupCommit is { } group && group.Durable < group.Started && !ReferenceEquals(command.Connection, file.TurnHolder)
                ? group
                : null;
    }
}
