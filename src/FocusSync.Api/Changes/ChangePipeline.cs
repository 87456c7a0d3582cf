using System.Collections.Concurrent;
using FocusSync.Api.Data;
using FocusSync.Api.Observability;
using FocusSync.Timekeeping;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FocusSync.Api.Changes;

public sealed record UserIdentity(string Id, string? Name, string? Email);

/// <summary>How many rows of each kind a deletion removed, and the seq the account had reached: what its log line says, with no personal data.</summary>
public sealed record DeletedAccount(int DailyTimes, int Events, int IdempotentRequests, int Sessions, int Groups, long Seq);

/// <summary>Stores a user's change events with their change, and sends them to every connection of theirs once committed.</summary>
public interface IChangePublisher
{
    /// <summary>Adds the decided change's events to its unit of work, so that they commit with it or not at all.</summary>
    void Record(ChangeContext decided);

    Task PublishAsync(ChangeContext committed);

    /// <summary>Ends every connection of a user whose account was deleted, on every instance, saying so.</summary>
    Task CloseAccountAsync(string userId);
}

/// <summary>
/// The one writer of a user's data. Every change goes load → catch up → decide → commit → publish: it loads the
/// user and their live sessions, performs whatever fell due (<see cref="TimerRules.CatchUp"/>), lets the caller
/// decide through the rules, commits the new state, the credited time and the seq in one transaction, then sends
/// the events. The user's seq is an optimistic-concurrency token, so two requests of one user (on one instance or
/// several) never both commit a change built on the same state: the loser loads again, this time holding the
/// user's write lock, and commits.
/// </summary>
public sealed class ChangePipeline(
    FocusSyncDb db, TimeProvider time, IChangePublisher publisher, DueWorkSignal dueWork, FocusSyncMetrics metrics,
    ILogger<ChangePipeline> logger)
{
    private const int MaxAttempts = 20;

    // A compiled query keeps the plan of the first database it ran on, so each provider has its own.
    private static readonly ConcurrentDictionary<Type, Func<FocusSyncDb, string, CancellationToken, Task<LoadedUser?>>> LoadQueries = new();

    private enum Failure
    {
        Other,
        Conflict,
        ConstraintViolation,
    }

    /// <summary>Applies a change: <paramref name="decide"/> runs on the caught-up state, and what it decided commits with the catch-up.</summary>
    public Task<T> ApplyAsync<T>(
        UserIdentity identity, Func<ChangeContext, Task<T>> decide, CancellationToken cancellationToken = default) =>
        ApplyAsync(identity, atMs: null, decide, cancellationToken);

    public Task<T> ApplyAsync<T>(
        UserIdentity identity, Func<ChangeContext, T> decide, CancellationToken cancellationToken = default) =>
        ApplyAsync(identity, context => Task.FromResult(decide(context)), cancellationToken);

    /// <summary>
    /// Applies a change that the person made at <paramref name="atMs"/> (SPEC section 7, timed actions; null: now).
    /// <paramref name="decide"/> runs on the committed state, caught up to nothing yet: it calls
    /// <see cref="ChangeContext.ActAt"/> with the change's floor, which catches up to the instant the change applies
    /// at, and decides there; what fell due after that instant is performed before the commit.
    /// </summary>
    public Task<T> ApplyAsync<T>(
        UserIdentity identity, long? atMs, Func<ChangeContext, Task<T>> decide, CancellationToken cancellationToken = default) =>
        RunAsync(identity, atMs, async context =>
        {
            var result = await decide(context);
            context.CatchUp();
            await CommitAsync(context, cancellationToken);
            return result;
        }, cancellationToken);

    /// <summary>
    /// Reads a user's data as of now. What fell due is performed and committed first, like the change it is, so a
    /// read after a countdown's target already shows it completed and its time credited.
    /// </summary>
    public Task<T> ReadAsync<T>(
        UserIdentity identity, Func<UserView, Task<T>> read, CancellationToken cancellationToken = default) =>
        RunAsync(identity, atMs: null, async context =>
        {
            await CommitAsync(context, cancellationToken);
            return await read(context);
        }, cancellationToken);

    public Task<T> ReadAsync<T>(
        UserIdentity identity, Func<UserView, T> read, CancellationToken cancellationToken = default) =>
        ReadAsync(identity, view => Task.FromResult(read(view)), cancellationToken);

    /// <summary>
    /// Performs only what fell due: the due-work job's work for one user. A user who is gone by then (their account
    /// deleted since the job found them due) stays gone: only the person's own requests start a new account.
    /// </summary>
    public Task CatchUpAsync(string userId, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(
            () => RunAttemptsAsync(new UserIdentity(userId, null, null), atMs: null, async context =>
            {
                await CommitAsync(context, cancellationToken);
                return true;
            }, ifMissing: () => false, cancellationToken),
            cancellationToken);

    /// <summary>
    /// Deletes every row of the user in one transaction holding their write lock, so that a change of theirs either
    /// committed before (and is deleted with the rest) or loads after and finds no user; then raises the
    /// <see cref="SeqFloor"/> past their seq and ends their hub connections on every instance. Null when there was no
    /// such user: deleting twice is deleting once.
    /// </summary>
    public async Task<DeletedAccount?> DeleteUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        var deleted = await WithConnectionAsync(() => DeleteAttemptsAsync(userId, cancellationToken), cancellationToken);
        try
        {
            await publisher.CloseAccountAsync(userId);
        }
        catch (Exception ex)
        {
            // The data is gone; a connection left open hears nothing more of it, and ends with its token.
            logger.LogWarning(ex, "Closing the hub connections of a deleted account failed");
        }

        return deleted;
    }

    private async Task<DeletedAccount?> DeleteAttemptsAsync(string userId, CancellationToken cancellationToken)
    {
        for (var number = 1; ; number++)
        {
            db.ChangeTracker.Clear();
            try
            {
                await using var writeLock = await WriteLock.AcquireAsync(db, userId, cancellationToken);
                var seq = await db.Users.Where(u => u.Id == userId).Select(u => (long?)u.Seq).SingleOrDefaultAsync(cancellationToken);
                if (seq is not { } last)
                {
                    return null;
                }

                // Children first, so no cascade or SET NULL does work twice; the user's row last.
                var deleted = new DeletedAccount(
                    DailyTimes: await db.TaskDailyTimes.Where(d => d.UserId == userId).ExecuteDeleteAsync(cancellationToken),
                    Events: await db.StoredChanges.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken),
                    IdempotentRequests: await db.IdempotentRequests.Where(r => r.UserId == userId).ExecuteDeleteAsync(cancellationToken),
                    Sessions: await db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(cancellationToken),
                    Groups: await db.Groups.Where(g => g.UserId == userId).ExecuteDeleteAsync(cancellationToken),
                    Seq: last);
                await db.Users.Where(u => u.Id == userId).ExecuteDeleteAsync(cancellationToken);

                // One past the last seq: the new account's first change is two past it, so the old seq is never continued.
                var floor = last + 1;
                await db.SeqFloors.Where(f => f.Id == SeqFloor.SingleId)
                    .ExecuteUpdateAsync(s => s.SetProperty(f => f.Seq, f => f.Seq > floor ? f.Seq : floor), cancellationToken);
                await writeLock.CommitAsync(cancellationToken);
                return deleted;
            }
            catch (Exception ex) when (number < MaxAttempts && Classify(ex) is Failure.Conflict)
            {
                // A housekeeping prune of the same tables took their rows in another order (a deadlock on PostgreSQL).
                logger.LogDebug("Retrying an account deletion after a conflict (attempt {Attempt})", number);
            }
        }
    }

    private Task<T> RunAsync<T>(
        UserIdentity identity, long? atMs, Func<ChangeContext, Task<T>> attempt, CancellationToken cancellationToken) =>
        WithConnectionAsync(() => RunAttemptsAsync(identity, atMs, attempt, ifMissing: null, cancellationToken), cancellationToken);

    private async Task<T> WithConnectionAsync<T>(Func<Task<T>> run, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            return await run();
        }

        // One SQLite connection for the whole request: each open of a pooled connection re-runs the durability pragma.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await run();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Runs attempts until one commits; a missing user is created, or answered by <paramref name="ifMissing"/> when given.</summary>
    private async Task<T> RunAttemptsAsync<T>(
        UserIdentity identity, long? atMs, Func<ChangeContext, Task<T>> attempt, Func<T>? ifMissing, CancellationToken cancellationToken)
    {
        for (var number = 1; ; number++)
        {
            db.ChangeTracker.Clear();
            ChangeContext? context;
            try
            {
                context = await LoadAsync(identity, atMs, exclusive: number > 1, createMissing: ifMissing is null, cancellationToken);
            }
            catch (Exception ex) when (number < MaxAttempts && Classify(ex) is Failure.Conflict)
            {
                // Taking the write lock can lose a race too: on PostgreSQL, a deadlock with requests creating the user anew.
                logger.LogDebug("Retrying a change of a user whose write lock was contended (attempt {Attempt})", number);
                continue;
            }

            if (context is null)
            {
                return ifMissing!();
            }

            try
            {
                // A timed change catches up only to the instant it applies at (ChangeContext.ActAt), the rest after it.
                if (atMs is null)
                {
                    context.CatchUp();
                }

                return await attempt(context);
            }
            catch (Exception ex) when (number < MaxAttempts && Classify(ex) is not Failure.Other)
            {
                // The transaction must end before the user's row can be read again (PostgreSQL refuses any statement in a failed one).
                await context.DisposeTransactionAsync();
                if (Classify(ex) is Failure.ConstraintViolation && !await context.WasOvertakenAsync(cancellationToken))
                {
                    throw;
                }

                // Another request of this user committed first (or created the user first): start again from its state.
                metrics.CommitRetried();
                logger.LogDebug("Retrying a change of a user after a concurrent commit (attempt {Attempt})", number);
            }
            finally
            {
                await context.DisposeTransactionAsync();
            }
        }
    }

    /// <summary>
    /// What a failed attempt says about trying again. The loop exists for lost races between changes of one user:
    /// the seq check (a concurrency exception), and what the databases answer to two transactions colliding —
    /// PostgreSQL's serialization failure and deadlock, SQLite's busy and locked. A constraint violation is a lost
    /// race only when another change of the user committed since the attempt loaded (it inserted the same user or
    /// idempotency key, deleted the group the attempt used, or deleted the session it changed); otherwise it is a
    /// fault that no retry would mend. Anything else fails the request at once.
    /// </summary>
    private static Failure Classify(Exception exception) => exception switch
    {
        DbUpdateConcurrencyException => Failure.Conflict,
        DbUpdateException { InnerException: { } inner } => Classify(inner),

        // Npgsql's execution strategy wraps what it deems transient (a deadlock among them) in this exception.
        InvalidOperationException { InnerException: DbUpdateException or PostgresException } wrapped => Classify(wrapped.InnerException!),
        PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected } => Failure.Conflict,
        PostgresException { SqlState: var state } when state.StartsWith("23", StringComparison.Ordinal) => Failure.ConstraintViolation,
        SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED } => Failure.Conflict,
        SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_CONSTRAINT } => Failure.ConstraintViolation,
        _ => Failure.Other,
    };

    /// <summary>
    /// Loads the user and their live sessions in one round trip; a user met for the first time starts with the
    /// default settings at the <see cref="SeqFloor"/> (or, unless <paramref name="createMissing"/>, is null). An attempt after a lost race loads holding the user's write lock, so that it cannot lose
    /// again, however many requests of the user arrive at once.
    /// </summary>
    private async Task<ChangeContext?> LoadAsync(
        UserIdentity identity, long? atMs, bool exclusive, bool createMissing, CancellationToken cancellationToken)
    {
        var writeLock = exclusive ? await WriteLock.AcquireAsync(db, identity.Id, cancellationToken) : null;
        try
        {
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var loaded = await LoadQueries.GetOrAdd(db.GetType(), _ => CompileLoad())(db, identity.Id, cancellationToken);
            if (loaded is null)
            {
                if (!createMissing)
                {
                    if (writeLock is not null)
                    {
                        await writeLock.DisposeAsync();
                    }

                    return null;
                }

                // Past every deleted account's seq, so a client holding one of those never reads this account's feed as its own.
                var floor = await db.SeqFloors.Where(f => f.Id == SeqFloor.SingleId).Select(f => f.Seq).SingleOrDefaultAsync(cancellationToken);
                var user = new User { Id = identity.Id, Name = identity.Name, Email = identity.Email, CreatedAtMs = nowMs, Seq = floor };
                db.Users.Add(user);
                return new ChangeContext(db, user, UserClock.Create(UserSettings.Default, nowMs), [], nowMs, atMs, writeLock);
            }

            return new ChangeContext(db, loaded.User, loaded.User.ReadClock(), loaded.Sessions, nowMs, atMs, writeLock);
        }
        catch
        {
            if (writeLock is not null)
            {
                await writeLock.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// The load, compiled: every change runs it, and extracting its parameters and looking it up in EF's query cache
    /// anew each time cost about 5 % of an action's CPU.
    /// </summary>
    private static Func<FocusSyncDb, string, CancellationToken, Task<LoadedUser?>> CompileLoad() =>
        EF.CompileAsyncQuery((FocusSyncDb db, string userId, CancellationToken _) => db.Users.Where(u => u.Id == userId)
            .Select(u => new LoadedUser(u, db.Sessions.Where(s => s.UserId == u.Id && s.DeletedAtMs == null).OrderBy(s => s.Id).ToList()))
            .SingleOrDefault());

    /// <summary>Commits what the attempt decided, if anything, then wakes the due-work job and publishes the events.</summary>
    private async Task CommitAsync(ChangeContext context, CancellationToken cancellationToken)
    {
        context.WriteBack();
        if (!db.ChangeTracker.HasChanges() && context.Outcome.Credits.Count == 0)
        {
            return;
        }

        var started = time.GetTimestamp();
        using (var commit = FocusSyncTracing.Source.StartActivity("commit"))
        {
            // The user id is what an operator follows from a slow commit to the user's other requests; no metric carries it.
            commit?.SetTag("user.id", context.User.Id).SetTag("db.system.name", Provider).SetTag("focussync.changes", context.Outcome.Changes.Count);
            await context.BeginTransactionAsync(cancellationToken);
            if (context.Outcome.Changes.Count > 0)
            {
                publisher.Record(context);
            }

            await db.SaveChangesAsync(cancellationToken);
            await db.AddCreditsAsync(context.User.Id, context.Outcome.Credits, cancellationToken);
            await context.CommitAsync(cancellationToken);
        }

        context.CommittedAt = time.GetTimestamp();
        metrics.Committed(Provider, time.GetElapsedTime(started, context.CommittedAt));
        RecordDueWorkLag(context);
        if (context.Outcome.Changes.Count > 0)
        {
            dueWork.Due(context.User.NextDueMs);
            await PublishAsync(context);
        }
    }

    private sealed record LoadedUser(User User, List<Session> Sessions);

    private string Provider => db.Database.IsSqlite() ? "sqlite" : "postgresql";

    /// <summary>How late each completion and user-day boundary the attempt performed was, now that it is committed.</summary>
    private void RecordDueWorkLag(ChangeContext committed)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var change in committed.Outcome.Changes.Where(c => c.Type is ChangeType.Complete or ChangeType.AutoReset))
        {
            metrics.DueWorkPerformed(TimeSpan.FromMilliseconds(nowMs - change.AtMs));
        }
    }

    private async Task PublishAsync(ChangeContext committed)
    {
        try
        {
            await publisher.PublishAsync(committed);
        }
        catch (Exception ex)
        {
            // The change is committed; a client that missed the event sees the seq gap and resyncs.
            logger.LogWarning(ex, "Broadcasting {Count} events failed", committed.Outcome.Changes.Count);
        }
    }
}
