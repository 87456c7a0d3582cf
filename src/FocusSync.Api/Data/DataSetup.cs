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
            var durability = new SqliteDurability(database.SqliteSynchronous == "NORMAL" ? "NORMAL" : "FULL");
            builder.Services.AddDbContextPool<FocusSyncDb, SqliteFocusSyncDb>(o =>
                QuietConflicts(o.UseSqlite(connection ?? DefaultSqlite).AddInterceptors(durability)));
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
    /// synchronous=FULL (the default) syncs the WAL at every commit, so an acknowledged action survives a
    /// power cut, not only a process crash; NORMAL syncs only at checkpoints, which still survives a crash
    /// of the service but may lose the last commits on a power cut, for a faster commit.
    /// </summary>
    private sealed class SqliteDurability(string synchronous) : DbConnectionInterceptor
    {
        private readonly string _pragma = $"PRAGMA synchronous={synchronous};";

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = _pragma;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(
            DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = _pragma;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
