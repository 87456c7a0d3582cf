using FocusSync.Api.Http;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Api.Data;

public abstract class FocusSyncDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<Group> Groups => Set<Group>();
    public DbSet<Session> Sessions => Set<Session>();
    public DbSet<TaskDailyTime> TaskDailyTimes => Set<TaskDailyTime>();
    public DbSet<IdempotentRequest> IdempotentRequests => Set<IdempotentRequest>();
    public DbSet<StoredChange> StoredChanges => Set<StoredChange>();
    public DbSet<SeqFloor> SeqFloors => Set<SeqFloor>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.ToTable("Users");
            user.Property(u => u.Id).HasMaxLength(User.MaxIdLength);
            user.Property(u => u.Name).HasMaxLength(User.MaxNameLength);
            user.Property(u => u.Email).HasMaxLength(User.MaxEmailLength);
            user.Property(u => u.TimeZone).HasMaxLength(User.MaxTimeZoneLength);
            user.Property(u => u.ResetTime).HasMaxLength(User.ResetTimeLength);
            user.Property(u => u.WeekStart).HasMaxLength(User.MaxWeekStartLength);
            user.Property(u => u.Seq).IsConcurrencyToken();
            user.HasIndex(u => u.NextDueMs);
        });

        modelBuilder.Entity<Group>(group =>
        {
            group.ToTable("Groups");
            group.Property(g => g.Name).HasMaxLength(StoredText.GroupName.MaxUnits);
            group.Property(g => g.Description).HasMaxLength(StoredText.GroupDescription.MaxUnits);
            group.HasOne<User>().WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.Cascade);
            group.HasIndex(g => g.UserId);
        });

        modelBuilder.Entity<Session>(session =>
        {
            session.ToTable("Sessions", t =>
            {
                t.HasCheckConstraint("CK_Sessions_Goal",
                    "(\"NoGoal\" AND \"InitialDurationSec\" IS NULL AND \"DailyGoalMinutes\" IS NULL AND \"TimeLeftMs\" IS NULL AND \"TargetMs\" IS NULL)"
                    + $" OR (NOT \"NoGoal\" AND \"InitialDurationSec\" BETWEEN 1 AND {Session.MaxInitialDurationSec}"
                    + $" AND \"DailyGoalMinutes\" BETWEEN 1 AND {Session.MaxDailyGoalMinutes} AND \"TimeLeftMs\" >= 0)");
                t.HasCheckConstraint("CK_Sessions_Running",
                    "(\"RunStartedAtMs\" IS NULL AND \"TargetMs\" IS NULL) OR (\"RunStartedAtMs\" IS NOT NULL AND \"DeletedAtMs\" IS NULL)");
                t.HasCheckConstraint("CK_Sessions_FocusMs", "\"FocusMs\" >= 0");
            });
            session.Property(s => s.Title).HasMaxLength(StoredText.SessionTitle.MaxUnits);
            session.HasOne<User>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            session.HasOne<Group>().WithMany().HasForeignKey(s => s.GroupId).OnDelete(DeleteBehavior.SetNull);
            session.HasIndex(s => new { s.UserId, s.DeletedAtMs });
        });

        modelBuilder.Entity<TaskDailyTime>(day =>
        {
            day.ToTable("TaskDailyTimes", t => t.HasCheckConstraint("CK_TaskDailyTimes_MsSpent", "\"MsSpent\" >= 0"));
            day.HasOne<Session>().WithMany().HasForeignKey(d => d.SessionId).OnDelete(DeleteBehavior.Cascade);
            day.HasOne<User>().WithMany().HasForeignKey(d => d.UserId).OnDelete(DeleteBehavior.Cascade);
            day.HasIndex(d => new { d.SessionId, d.Date }).IsUnique();
            // Covering: reports and streaks read every column they need from the index alone.
            day.HasIndex(d => new { d.UserId, d.Date, d.SessionId, d.MsSpent, d.GoalMinutes });
        });

        modelBuilder.Entity<IdempotentRequest>(request =>
        {
            request.ToTable("IdempotentRequests");
            request.HasKey(r => new { r.UserId, r.Key });
            request.Property(r => r.Key).HasMaxLength(StoredText.IdempotencyKeyMaxLength);
            request.Property(r => r.Operation).HasMaxLength(IdempotentRequest.MaxOperationLength);
            request.HasIndex(r => r.CreatedAtMs);
            request.HasOne<User>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.ApplyConfiguration(new StoredChangeConfiguration());

        modelBuilder.Entity<SeqFloor>(floor =>
        {
            floor.ToTable("SeqFloor");
            floor.Property(f => f.Id).ValueGeneratedNever();
            floor.HasData(new SeqFloor { Id = SeqFloor.SingleId, Seq = 0 });
        });
    }
}

public sealed class SqliteFocusSyncDb(DbContextOptions<SqliteFocusSyncDb> options) : FocusSyncDb(options);

public sealed class PostgresFocusSyncDb(DbContextOptions<PostgresFocusSyncDb> options) : FocusSyncDb(options);
