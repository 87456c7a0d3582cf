using System.Globalization;
using System.Text;
using FocusSync.Api.Feed;
using FocusSync.Api.Groups;
using FocusSync.Api.Realtime;
using FocusSync.Api.Sessions;
using FocusSync.Api.Users;
using FocusSync.Api.Timekeeping;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;
using Npgsql;

namespace FocusSync.Api.Data;

public sealed record UserIdentity(string Id, string? Name, string? Email);

/// <summary>
/// Runs one request's work on one user: loads the user's live sessions, catches up with whatever fell
/// due, applies the action, and commits the new state, the credited time and the seq in one
/// transaction. The user's seq is an optimistic-concurrency token, so two requests of one user (on
/// one instance or several) never both commit a change built on the same state: the loser loads again,
/// this time holding the user's write lock, and commits.
/// </summary>
public sealed class UserChanges(
    FocusSyncDb db, TimeProvider time, IChangePublisher publisher, DueWorkSignal dueWork, ChangeFeedWriter feed,
    ILogger<UserChanges> logger)
{
    private const int MaxAttempts = 20;
    private const int CreditRowsPerStatement = 1_000;

    private enum Failure
    {
        Other,
        Conflict,
        ConstraintViolation,
    }

    public async Task<T> ApplyAsync<T>(
        UserIdentity identity, Func<UserContext, Task<T>> action, CancellationToken cancellationToken = default)
    {
        if (!db.Database.IsSqlite())
        {
            return await ApplyAttemptsAsync(identity, action, cancellationToken);
        }

        // One SQLite connection for the whole request: each open of a pooled connection re-runs the durability pragma.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await ApplyAttemptsAsync(identity, action, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    public Task<T> ApplyAsync<T>(
        UserIdentity identity, Func<UserContext, T> action, CancellationToken cancellationToken = default) =>
        ApplyAsync(identity, context => Task.FromResult(action(context)), cancellationToken);

    /// <summary>Performs only what fell due: the timekeeper's work for one user.</summary>
    public Task CatchUpAsync(string userId, CancellationToken cancellationToken = default) =>
        ApplyAsync(new UserIdentity(userId, null, null), _ => true, cancellationToken);

    private async Task<T> ApplyAttemptsAsync<T>(
        UserIdentity identity, Func<UserContext, Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var context = await LoadAsync(identity, exclusive: attempt > 1, cancellationToken);
            try
            {
                Timekeeper.CatchUp(context.Timers, context.NowMs, context.Outcome);
                var result = await action(context);
                var events = await CommitAsync(context, cancellationToken);
                if (events.Count > 0)
                {
                    dueWork.Due(context.User.NextDueMs);
                    await PublishAsync(identity.Id, events);
                }

                return result;
            }
            catch (Exception ex) when (attempt < MaxAttempts && Classify(ex) is not Failure.Other)
            {
                // The transaction must end before the user's row can be read again (PostgreSQL refuses any statement in a failed one).
                await context.DisposeTransactionAsync();
                if (Classify(ex) is Failure.ConstraintViolation && !await context.WasOvertakenAsync(cancellationToken))
                {
                    throw;
                }

                // Another request of this user committed first (or created the user first): start again from its state.
                logger.LogDebug("Retrying a change of a user after a concurrent commit (attempt {Attempt})", attempt);
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
        PostgresException { SqlState: PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected } => Failure.Conflict,
        PostgresException { SqlState: var state } when state.StartsWith("23", StringComparison.Ordinal) => Failure.ConstraintViolation,
        SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED } => Failure.Conflict,
        SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_CONSTRAINT } => Failure.ConstraintViolation,
        _ => Failure.Other,
    };

    /// <summary>
    /// Loads the user and their live sessions in one round trip. An attempt after a lost race loads holding the
    /// user's write lock, so that it cannot lose again, however many requests of the user arrive at once.
    /// </summary>
    private async Task<UserContext> LoadAsync(UserIdentity identity, bool exclusive, CancellationToken cancellationToken)
    {
        var writeLock = exclusive ? await WriteLock.AcquireAsync(db, identity.Id, cancellationToken) : null;
        try
        {
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var loaded = await db.Users.Where(u => u.Id == identity.Id)
                .Select(u => new
                {
                    User = u,
                    Sessions = db.Sessions.Where(s => s.UserId == u.Id && s.DeletedAtMs == null).OrderBy(s => s.Id).ToList(),
                })
                .SingleOrDefaultAsync(cancellationToken);
            var user = loaded?.User;
            var sessions = loaded?.Sessions ?? [];
            if (user is null)
            {
                user = new User { Id = identity.Id, Name = identity.Name, Email = identity.Email, CreatedAtMs = nowMs };
                var clock = UserClock.Create(DateTimeZone.Utc, LocalTime.Midnight, true, nowMs);
                user.Day = clock.Day.ToDateOnly();
                user.DayEndMs = clock.DayEndMs;
                user.NextDueMs = clock.DayEndMs;
                db.Users.Add(user);
            }

            return new UserContext(db, user, sessions, nowMs, writeLock);
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

    private async Task<IReadOnlyList<ChangeEvent>> CommitAsync(UserContext context, CancellationToken cancellationToken)
    {
        var user = context.User;
        var changes = context.Outcome.Changes;
        var firstSeq = user.Seq + 1;
        context.WriteBack();
        user.Seq += changes.Count;
        if (!db.ChangeTracker.HasChanges() && context.Outcome.Credits.Count == 0)
        {
            return [];
        }

        // The events are stored by the same commit as their change; the very objects are published after it.
        List<ChangeEvent> events = [.. changes.Select((change, i) => context.ToEvent(change, firstSeq + i))];
        feed.Append(db, user.Id, events);
        await context.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await UpsertCreditsAsync(user.Id, context.Outcome.Credits, cancellationToken);
        await context.CommitAsync(cancellationToken);
        return events;
    }

    private async Task UpsertCreditsAsync(string userId, List<Credit> credits, CancellationToken cancellationToken)
    {
        var rows = credits
            .GroupBy(c => (c.SessionId, c.Day))
            .Select(g => (g.Key.SessionId, g.Key.Day, Ms: g.Sum(c => c.Ms), g.Last().GoalMinutes))
            .ToList();

        // A catch-up over many missed days writes a row per goal session per day: batches keep each
        // statement well inside SQLite's and PostgreSQL's limits on parameters.
        foreach (var batch in rows.Chunk(CreditRowsPerStatement))
        {
            var sql = new StringBuilder(
                "INSERT INTO \"TaskDailyTimes\" (\"UserId\", \"SessionId\", \"Date\", \"MsSpent\", \"GoalMinutes\") VALUES ");
            var parameters = new List<object?>();
            foreach (var (sessionId, day, ms, goal) in batch)
            {
                var n = parameters.Count;
                sql.Append(CultureInfo.InvariantCulture, $"{(n == 0 ? "" : ", ")}({{{n}}}, {{{n + 1}}}, {{{n + 2}}}, {{{n + 3}}}, {{{n + 4}}})");
                parameters.AddRange([userId, sessionId, day.ToDateOnly(), ms, goal]);
            }

            sql.Append(" ON CONFLICT (\"SessionId\", \"Date\") DO UPDATE SET \"MsSpent\" = \"TaskDailyTimes\".\"MsSpent\" + excluded.\"MsSpent\", \"GoalMinutes\" = excluded.\"GoalMinutes\"");
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters!, cancellationToken);
        }
    }

    private async Task PublishAsync(string userId, IReadOnlyList<ChangeEvent> events)
    {
        try
        {
            await publisher.PublishAsync(userId, events);
        }
        catch (Exception ex)
        {
            // The change is committed; a client that missed the event sees the seq gap and resyncs.
            logger.LogWarning(ex, "Broadcasting {Count} events failed", events.Count);
        }
    }
}

/// <summary>One attempt's view of a user: their rows, their timers, and what the rules produced so far.</summary>
public sealed class UserContext
{
    private static readonly LocalTimePattern ResetPattern = LocalTimePattern.CreateWithInvariantCulture("HH:mm");
    private readonly FocusSyncDb _db;
    private readonly Dictionary<long, (Session Row, SessionTimer Timer)> _sessions = [];
    private readonly Dictionary<long, Group> _groups = [];
    private readonly long _committedSeq;
    private readonly bool _newUser;
    private WriteLock? _writeLock;

    internal UserContext(FocusSyncDb db, User user, List<Session> sessions, long nowMs, WriteLock? writeLock)
    {
        _db = db;
        _writeLock = writeLock;
        User = user;
        _committedSeq = user.Seq;
        _newUser = db.Entry(user).State == EntityState.Added;
        NowMs = nowMs;
        Timers = new UserTimers(
            new UserClock
            {
                Zone = DateTimeZoneProviders.Tzdb[user.TimeZone],
                ResetTime = ResetPattern.Parse(user.ResetTime).Value,
                SingleRunning = user.SingleRunning,
                Day = LocalDate.FromDateOnly(user.Day),
                DayEndMs = user.DayEndMs,
            },
            []);
        foreach (var row in sessions)
        {
            Track(row, ToTimer(row));
        }
    }

    public User User { get; }
    public UserTimers Timers { get; }
    public Outcome Outcome { get; } = new();
    public long NowMs { get; }
    public FocusSyncDb Db => _db;

    /// <summary>The user's seq once this attempt's changes are committed.</summary>
    public long Seq => _committedSeq + Outcome.Changes.Count;

    /// <summary>
    /// Whether no other change of this user has committed since this context was loaded. A read that spans
    /// several queries asks last: a change commits its state, its credits and its seq together.
    /// </summary>
    public async Task<bool> IsUnchangedAsync(CancellationToken cancellationToken) =>
        await _db.Users.AsNoTracking().Where(u => u.Id == User.Id).Select(u => u.Seq).SingleOrDefaultAsync(cancellationToken)
        == _committedSeq;

    public UserDto UserDto => UserDto.From(User, Timers.Clock, NowMs);

    /// <summary>Whether another request created this user, or committed a change of theirs, since this context was loaded.</summary>
    internal async Task<bool> WasOvertakenAsync(CancellationToken cancellationToken)
    {
        var seq = await _db.Users.AsNoTracking().Where(u => u.Id == User.Id).Select(u => (long?)u.Seq).SingleOrDefaultAsync(cancellationToken);
        return _newUser ? seq is not null : seq != _committedSeq;
    }

    public IEnumerable<(Session Row, SessionTimer Timer)> LiveSessions =>
        _sessions.Values.Where(s => !s.Timer.Deleted).OrderBy(s => s.Row.Id);

    public (Session Row, SessionTimer Timer)? Find(long id) =>
        _sessions.TryGetValue(id, out var found) && !found.Timer.Deleted ? found : null;

    public static LocalTime ParseResetTime(string text) => ResetPattern.Parse(text).Value;

    /// <summary>Inserts a new session row inside this attempt's transaction, so its id is known to the rules.</summary>
    public async Task<Session> InsertSessionAsync(Session row, CancellationToken cancellationToken)
    {
        await BeginTransactionAsync(cancellationToken);
        _db.Sessions.Add(row);
        await _db.SaveChangesAsync(cancellationToken);
        return row;
    }

    /// <summary>Pairs a session row with its timer; the rules see every tracked timer.</summary>
    public void Track(Session row, SessionTimer timer)
    {
        _sessions[row.Id] = (row, timer);
        if (!Timers.Sessions.Contains(timer))
        {
            Timers.Sessions.Add(timer);
        }
    }

    public async Task<Group?> FindGroupAsync(long id, CancellationToken cancellationToken)
    {
        if (!_groups.TryGetValue(id, out var group))
        {
            group = await _db.Groups.SingleOrDefaultAsync(g => g.Id == id && g.UserId == User.Id, cancellationToken);
            if (group is not null)
            {
                _groups[id] = group;
            }
        }

        return group;
    }

    public async Task<Group> InsertGroupAsync(Group group, CancellationToken cancellationToken)
    {
        await BeginTransactionAsync(cancellationToken);
        _db.Groups.Add(group);
        await _db.SaveChangesAsync(cancellationToken);
        _groups[group.Id] = group;
        return group;
    }

    /// <summary>Deletes a group and ungroups its live sessions; returns those sessions, each one version newer.</summary>
    public List<SessionTimer> RemoveGroup(Group group)
    {
        var ungrouped = new List<SessionTimer>();
        foreach (var (row, timer) in LiveSessions.Where(s => s.Row.GroupId == group.Id))
        {
            row.GroupId = null;
            timer.Version++;
            ungrouped.Add(timer);
        }

        _db.Groups.Remove(group);
        return ungrouped;
    }

    public SessionDto ToDto(Session row, SessionTimer timer) => SessionDto.From(row, timer, NowMs);

    public SessionDto ToDto((Session Row, SessionTimer Timer) session) => ToDto(session.Row, session.Timer);

    public SessionList ToList() => new([.. LiveSessions.Select(ToDto)], Seq, NowMs);

    internal ChangeEvent ToEvent(Change change, long seq)
    {
        var type = ChangeEvent.TypeName(change.Type);
        var sessions = change.Sessions.Select(s => SessionDto.From(_sessions[s.Id].Row, s, NowMs)).ToList();
        return change.Type switch
        {
            ChangeType.ResetAll or ChangeType.AutoReset =>
                new ChangeEvent(type, seq, NowMs) { Sessions = sessions },
            ChangeType.DeleteSession =>
                new ChangeEvent(type, seq, NowMs) { SessionId = change.Sessions[0].Id },
            ChangeType.AutoResetTimeChange =>
                new ChangeEvent(type, seq, NowMs) { User = UserDto },
            ChangeType.AddGroup or ChangeType.EditGroup =>
                new ChangeEvent(type, seq, NowMs) { Group = GroupDto.From(_groups[change.GroupId!.Value]) },
            ChangeType.DeleteGroup =>
                new ChangeEvent(type, seq, NowMs) { GroupId = change.GroupId, Sessions = sessions },
            _ => new ChangeEvent(type, seq, NowMs) { Session = sessions[0] },
        };
    }

    internal void WriteBack()
    {
        var clock = Timers.Clock;
        User.Day = clock.Day.ToDateOnly();
        User.DayEndMs = clock.DayEndMs;
        User.SingleRunning = clock.SingleRunning;
        User.NextDueMs = Timekeeper.NextDueMs(Timers);
        foreach (var (row, timer) in _sessions.Values)
        {
            row.InitialDurationSec = timer.InitialDurationSec;
            row.DailyGoalMinutes = timer.DailyGoalMinutes;
            row.TimeLeftMs = timer.TimeLeftMs;
            row.TargetMs = timer.TargetMs;
            row.RunStartedAtMs = timer.RunStartedAtMs;
            row.IsCompleted = timer.IsCompleted;
            row.FocusMs = timer.FocusMs;
            row.Version = timer.Version;
            if (timer.Deleted)
            {
                row.DeletedAtMs ??= NowMs;
            }
        }
    }

    /// <summary>
    /// Every write takes the user's row first, so writers of one user never hold each other's rows in the
    /// opposite order (a deadlock on PostgreSQL); the seq check then tells whether the loaded state is current.
    /// </summary>
    internal async Task BeginTransactionAsync(CancellationToken cancellationToken) =>
        _writeLock ??= await WriteLock.AcquireAsync(_db, User.Id, cancellationToken);

    internal async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (_writeLock is not null)
        {
            await _writeLock.CommitAsync(cancellationToken);
        }
    }

    internal async Task DisposeTransactionAsync()
    {
        if (_writeLock is not null)
        {
            await _writeLock.DisposeAsync();
            _writeLock = null;
        }
    }

    private static SessionTimer ToTimer(Session row) => new()
    {
        Id = row.Id,
        NoGoal = row.NoGoal,
        InitialDurationSec = row.InitialDurationSec,
        DailyGoalMinutes = row.DailyGoalMinutes,
        TimeLeftMs = row.TimeLeftMs,
        TargetMs = row.TargetMs,
        RunStartedAtMs = row.RunStartedAtMs,
        IsCompleted = row.IsCompleted,
        FocusMs = row.FocusMs,
        Version = row.Version,
        Deleted = row.DeletedAtMs is not null,
    };
}
