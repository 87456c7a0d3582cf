using FocusSync.Api.Data;
using FocusSync.Timekeeping;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Api.Changes;

/// <summary>One attempt's view of a user, caught up to now: what a read may look at.</summary>
public abstract class UserView
{
    private readonly Dictionary<long, Group> _groups = [];
    private readonly long _loadedSeq;

    private protected UserView(FocusSyncDb db, User user, UserTimers timers, long nowMs)
    {
        Db = db;
        User = user;
        State = timers;
        NowMs = nowMs;
        _loadedSeq = user.Seq;
    }

    public User User { get; }
    public UserClock Clock => State.Clock;
    public long NowMs { get; }
    public FocusSyncDb Db { get; }

    /// <summary>The user's seq once this attempt's changes are committed.</summary>
    public long Seq => _loadedSeq + Decided.Changes.Count;

    public IEnumerable<Session> LiveSessions => State.Sessions.Cast<Session>().Where(s => !s.Deleted).OrderBy(s => s.Id);

    private protected UserTimers State { get; }
    private protected Outcome Decided { get; } = new();
    private protected long LoadedSeq => _loadedSeq;

    public Session? Find(long id) => (Session?)State.Sessions.FirstOrDefault(s => s.Id == id && !s.Deleted);

    public async Task<Group?> FindGroupAsync(long id, CancellationToken cancellationToken)
    {
        if (!_groups.TryGetValue(id, out var group))
        {
            group = await Db.Groups.SingleOrDefaultAsync(g => g.Id == id && g.UserId == User.Id, cancellationToken);
            if (group is not null)
            {
                _groups[id] = group;
            }
        }

        return group;
    }

    /// <summary>
    /// Whether no other change of this user has committed since this view was taken. A read that spans
    /// several queries asks last: a change commits its state, its credits and its seq together.
    /// </summary>
    public async Task<bool> IsUnchangedAsync(CancellationToken cancellationToken) =>
        await Db.Users.AsNoTracking().Where(u => u.Id == User.Id).Select(u => u.Seq).SingleOrDefaultAsync(cancellationToken) == Seq;

    private protected void Track(Group group) => _groups[group.Id] = group;

    private protected Group TrackedGroup(long id) => _groups[id];
}

/// <summary>One attempt's view of a user for a change: the state the rules decide on, and what they decided so far.</summary>
public sealed class ChangeContext : UserView
{
    private readonly bool _newUser;
    private WriteLock? _writeLock;

    internal ChangeContext(
        FocusSyncDb db, User user, UserClock clock, List<Session> sessions, long nowMs, long? atMs, WriteLock? writeLock)
        : base(db, user, new UserTimers(clock, [.. sessions]) { ResetAllAtMs = user.ResetAllAtMs, RunChangedAtMs = user.RunChangedAtMs }, nowMs)
    {
        _writeLock = writeLock;
        _newUser = db.Entry(user).State == EntityState.Added;
        AtMs = atMs;
        AppliedAtMs = nowMs;
    }

    public UserTimers Timers => State;
    public Outcome Outcome => Decided;

    /// <summary>When the person acted, as a timed change's request says (SPEC section 7); null for now.</summary>
    public long? AtMs { get; }

    /// <summary>When the attempt committed, as a <see cref="TimeProvider.GetTimestamp"/>: where an event's publish lag starts.</summary>
    public long CommittedAt { get; internal set; }

    /// <summary>The instant the change applies at: now, unless <see cref="ActAt"/> moved it back.</summary>
    public long AppliedAtMs { get; private set; }

    /// <summary>
    /// Catches up to the instant the change applies at, <see cref="TimerRules.AppliedAtMs"/> of <see cref="AtMs"/> and
    /// <paramref name="floorMs"/>, and returns it. A timed change's pipeline has caught up to nothing yet, so the
    /// floor is the committed state's; what falls due after that instant follows in <see cref="CatchUp"/>.
    /// </summary>
    public long ActAt(long floorMs)
    {
        AppliedAtMs = TimerRules.AppliedAtMs(NowMs, AtMs, floorMs);
        TimerRules.CatchUp(Timers, AppliedAtMs, Outcome);
        return AppliedAtMs;
    }

    /// <summary>Performs whatever fell due by now; after a change applied earlier than now, what fell due since.</summary>
    public void CatchUp() => TimerRules.CatchUp(Timers, NowMs, Outcome);

    /// <summary>
    /// The result stored under an idempotency key, read holding the user's write lock: a concurrent request with the
    /// same key waits until this attempt commits, then finds what it stored.
    /// </summary>
    public async Task<IdempotentRequest?> FindIdempotentAsync(string key, CancellationToken cancellationToken)
    {
        await BeginTransactionAsync(cancellationToken);
        return await Db.IdempotentRequests.FindAsync([User.Id, key], cancellationToken);
    }

    /// <summary>The changes decided, each with the seq it commits under.</summary>
    public IEnumerable<(Change Change, long Seq)> NumberedChanges => Decided.Changes.Select((change, i) => (change, LoadedSeq + 1 + i));

    /// <summary>
    /// The events of this attempt's changes as <see cref="IChangePublisher.Record"/> stored them, in seq order, for
    /// <see cref="IChangePublisher.PublishAsync"/> to send as they are once they commit.
    /// </summary>
    public IReadOnlyList<string>? RecordedEvents { get; set; }

    /// <summary>The sessions this attempt holds: the live ones it loaded or created, and those it deleted.</summary>
    public IEnumerable<Session> SessionRows => State.Sessions.Cast<Session>();

    /// <summary>A group this attempt found or inserted.</summary>
    public Group GroupRow(long id) => TrackedGroup(id);

    /// <summary>Inserts a new session row inside this attempt's transaction, so its id is known to the rules.</summary>
    public async Task<Session> InsertSessionAsync(Session row, CancellationToken cancellationToken)
    {
        await BeginTransactionAsync(cancellationToken);
        Db.Sessions.Add(row);
        await Db.SaveChangesAsync(cancellationToken);
        return row;
    }

    public async Task<Group> InsertGroupAsync(Group group, CancellationToken cancellationToken)
    {
        await BeginTransactionAsync(cancellationToken);
        Db.Groups.Add(group);
        await Db.SaveChangesAsync(cancellationToken);
        Track(group);
        return group;
    }

    public void RemoveGroup(Group group) => Db.Groups.Remove(group);

    /// <summary>Whether another request created this user, or committed a change of theirs, since this context was loaded.</summary>
    internal async Task<bool> WasOvertakenAsync(CancellationToken cancellationToken)
    {
        var seq = await Db.Users.AsNoTracking().Where(u => u.Id == User.Id).Select(u => (long?)u.Seq).SingleOrDefaultAsync(cancellationToken);
        return _newUser ? seq is not null : seq != LoadedSeq;
    }

    /// <summary>Writes the user's clock, floors, next due instant and seq to their row; the rules changed the session rows themselves.</summary>
    internal void WriteBack()
    {
        User.StoreClock(Clock);
        User.ResetAllAtMs = State.ResetAllAtMs;
        User.RunChangedAtMs = State.RunChangedAtMs;
        User.NextDueMs = TimerRules.NextDueMs(State);
        User.Seq = Seq;
    }

    /// <summary>
    /// Every write takes the user's row first, so writers of one user never hold each other's rows in the
    /// opposite order (a deadlock on PostgreSQL); the seq check then tells whether the loaded state is current.
    /// </summary>
    internal async Task BeginTransactionAsync(CancellationToken cancellationToken) =>
        _writeLock ??= await WriteLock.AcquireAsync(Db, User.Id, cancellationToken);

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
}
