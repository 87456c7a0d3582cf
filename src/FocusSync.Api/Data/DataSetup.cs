using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FocusSync.Api.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    [RegularExpression("^(Sqlite|Postgres)$", ErrorMessage = "Database:Provider must be Sqlite or Postgres.")]
    public string Provider { get; set; } = "Sqlite";

    /// <summary>Apply pending migrations when the service starts.</summary>
    public bool MigrateOnStart { get; set; } = true;
}

public static class DataSetup
{
    public const string DefaultSqlite = "Data Source=focussync.db";

    public static WebApplicationBuilder AddFocusSyncData(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        var provider = builder.Configuration["Database:Provider"] ?? "Sqlite";
        var connection = builder.Configuration.GetConnectionString("Default");
        if (provider == "Postgres")
        {
            if (string.IsNullOrWhiteSpace(connection))
            {
                throw new InvalidOperationException(
                    "ConnectionStrings:Default is required when Database:Provider is Postgres.");
            }

            builder.Services.AddDbContext<FocusSyncDb, PostgresFocusSyncDb>(o => o.UseNpgsql(connection));
        }
        else
        {
            builder.Services.AddDbContext<FocusSyncDb, SqliteFocusSyncDb>(o =>
                o.UseSqlite(connection ?? DefaultSqlite).AddInterceptors(SqliteDurability.Instance));
        }

        builder.Services.AddScoped<UserChanges>();
        builder.Services.AddHealthChecks().AddDbContextCheck<FocusSyncDb>("database");
        return builder;
    }

    /// <summary>
    /// Applies pending migrations when the service starts (unless <c>Database:MigrateOnStart</c> is false),
    /// or only that when started with <c>--migrate</c>; returns whether the service should go on to run.
    /// </summary>
    public static async Task<bool> PrepareFocusSyncDataAsync(this WebApplication app, string[] args)
    {
        var migrateOnly = args.Contains("--migrate");
        if (migrateOnly || app.Configuration.GetValue("Database:MigrateOnStart", true))
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
    /// synchronous=FULL syncs the WAL at every commit, so an acknowledged action survives a power cut,
    /// not only a process crash; a timer action is one small commit, so the cost is one fsync.
    /// </summary>
    private sealed class SqliteDurability : DbConnectionInterceptor
    {
        public static readonly SqliteDurability Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=FULL;";
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(
            DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=FULL;";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
