using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FocusSync.Api.Data;

/// <summary>Lets `dotnet ef migrations add` build each provider's context without starting the service.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteFocusSyncDb>
{
    public SqliteFocusSyncDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteFocusSyncDb>().UseSqlite(DataSetup.DefaultSqlite).Options);
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresFocusSyncDb>
{
    public PostgresFocusSyncDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresFocusSyncDb>().UseNpgsql("Host=localhost;Database=focussync").Options);
}
