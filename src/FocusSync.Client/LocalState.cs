using FocusSync.Timekeeping;
using NodaTime;

namespace FocusSync.Client;

/// <summary>
/// What the server has confirmed, in <c>seq</c> order: the user, the groups and the live sessions as timers of the
/// shared rules. Only the view's gate touches it.
/// </summary>
internal sealed class ConfirmedState
{
    public bool Loaded { get; private set; }
    public long Seq { get; private set; }

    /// <summary>The latest server instant any of this state was taken at.</summary>
    public long AsOfMs { get; private set; }

    /// <summary>Counts the changes from the server, so that the view knows when its saved snapshot is behind.</summary>
    public long Revision { get; private set; }

    public User? User { get; private set; }
    public Dictionary<long, Group> Groups { get; } = [];

    /// <summary>Each live session's timer, and what it was built from (to save it as it came).</summary>
    public Dictionary<long, (SessionTimer Timer, SnapshotSession Source)> Sessions { get; } = [];

    public void Load(SessionList list, User user, IReadOnlyList<Group> groups)
    {
        Sessions.Clear();
        foreach (var session in list.Sessions)
        {
            Put(session, list.ServerTimeMs, changedAtMs: 0);
        }

        Groups.Clear();
        foreach (var group in groups)
        {
            Groups[group.Id] = group;
        }

        User = user;
        Seq = list.Seq;
        AsOfMs = Math.Max(list.ServerTimeMs, user.ServerTimeMs);
        Loaded = true;
        Revision++;
    }

    /// <summary>
    /// Shows the last known state until the server answers. Not <see cref="Loaded"/>: events wait for the first fetch,
    /// which replaces all of it (the snapshot may be of a seq the server no longer reaches, or of another account).
    /// </summary>
    public void Restore(ViewSnapshot snapshot)
    {
        foreach (var session in snapshot.Sessions)
        {
            Put(session);
        }

        foreach (var group in snapshot.Groups)
        {
            Groups[group.Id] = group;
        }

        User = snapshot.User;
        Seq = snapshot.Seq;
        AsOfMs = snapshot.AsOfMs;
    }

    public ViewSnapshot Snapshot(long clockOffsetMs) => new(
        Seq, AsOfMs, User!, [.. Groups.Values.OrderBy(g => g.Id)], [.. Sessions.Values.Select(s => s.Source).OrderBy(s => s.Session.Id)], clockOffsetMs);

    /// <summary>Applies the event that follows <see cref="Seq"/>.</summary>
    public void Apply(ChangeEvent change)
    {
        var at = change.ServerTimeMs;
        switch (change.Type)
        {
            case "resetAll" or "autoReset":
                Sessions.Clear();
                PutAll(change.Sessions, at, change.AppliedAtMs);
                break;
            case "deleteSession":
                Sessions.Remove(change.SessionId!.Value);
                break;
            case "addGroup" or "editGroup":
                Groups[change.Group!.Id] = change.Group;
                break;
            case "deleteGroup":
                Groups.Remove(change.GroupId!.Value);
                PutAll(change.Sessions, at, change.AppliedAtMs);
                break;
            case "autoResetTimeChange":
                User = change.User;
                break;
            default:
                if (change.Session is { } session)
                {
                    Put(session, at, change.AppliedAtMs);
                }

                break;
        }

        Seq = change.Seq;
        AsOfMs = Math.Max(AsOfMs, at);
        Revision++;
    }

    public static SessionTimer Timer(Session session, long atMs, long changedAtMs)
    {
        var started = session.RunStartedAtMs;
        return new SessionTimer
        {
            Id = session.Id,
            NoGoal = session.NoGoal,
            Title = session.Title,
            GroupId = session.GroupId,
            InitialDurationSec = session.InitialDuration,
            DailyGoalMinutes = session.DailyGoalMinutes,
            TimeLeftMs = session.TimeLeft is { } left ? (long)Math.Round(left * 1000) : null,
            TargetMs = session.TargetTimeMs,
            RunStartedAtMs = started,
            IsCompleted = session.IsCompleted,
            // The answer counted the running part up to its own instant; the timer keeps only what was credited.
            FocusMs = (long)Math.Round(session.FocusSeconds * 1000) - (started is { } s ? Math.Max(atMs, s) - s : 0),
            Version = session.Version,
            ChangedAtMs = changedAtMs,
        };
    }

    public UserSettings Settings() => User is { } user
        ? new UserSettings(
            DateTimeZoneProviders.Tzdb.GetZoneOrNull(user.TimeZone) ?? DateTimeZone.Utc,
            UserSettings.ParseResetTime(user.ResetTime),
            UserSettings.ParseWeekStart(user.WeekStart),
            user.SingleRunning)
        : UserSettings.Default;

    private void PutAll(IReadOnlyList<Session>? sessions, long atMs, long changedAtMs)
    {
        foreach (var session in sessions ?? [])
        {
            Put(session, atMs, changedAtMs);
        }
    }

    private void Put(Session session, long atMs, long changedAtMs) => Put(new SnapshotSession(session, atMs, changedAtMs));

    private void Put(SnapshotSession source) =>
        Sessions[source.Session.Id] = (Timer(source.Session, source.StatedAtMs, source.ChangedAtMs), source);
}

/// <summary>An operation the server accepted whose change the confirmed state may not show yet.</summary>
internal sealed record Acknowledged(QueuedOperation Operation, SyncResult Result, long Seq, long ServerTimeMs);

/// <summary>
/// The view a person sees: the confirmed state, the server's answers to accepted operations that the confirmed state
/// does not show yet, then every queued operation replayed through the shared timer rules at the instant it was taken.
/// </summary>
internal static class Projection
{
    public static (List<SessionTimer> Sessions, Dictionary<long, DateTimeOffset> CreatedAt, HashSet<long> Pending) Build(
        ConfirmedState confirmed, IReadOnlyList<Acknowledged> acknowledged, IReadOnlyList<QueuedOperation> queue, long nowMs)
    {
        var clock = UserClock.Create(confirmed.Settings(), confirmed.AsOfMs);
        clock.DayStartMs = clock.ResetMs(clock.Day);
        var user = new UserTimers(clock, [.. confirmed.Sessions.Values.Select(s => s.Timer.Snapshot())]);
        var createdAt = confirmed.Sessions.ToDictionary(s => s.Key, s => s.Value.Source.Session.CreatedAt);
        var pending = new HashSet<long>();

        foreach (var answer in acknowledged)
        {
            Overlay(user, createdAt, answer);
            pending.UnionWith(answer.Result.Sessions?.Select(s => s.Id) ?? []);
            if (answer.Result.Session is { } session)
            {
                pending.Add(session.Id);
            }
        }

        foreach (var operation in queue)
        {
            Replay(user, operation, nowMs, createdAt);
            if (operation.Kind == OperationKind.ResetAll)
            {
                pending.UnionWith(user.Sessions.Select(s => s.Id));
            }
            else if ((operation.SessionId ?? operation.LocalId) is { } id)
            {
                pending.Add(id);
            }
        }

        return ([.. user.Sessions.Where(s => !s.Deleted)], createdAt, pending);
    }

    /// <summary>The server's answer replaces the local guess, unless the confirmed state already shows that version or a later one.</summary>
    private static void Overlay(UserTimers user, Dictionary<long, DateTimeOffset> createdAt, Acknowledged answer)
    {
        if (answer.Operation.Kind == OperationKind.Delete)
        {
            user.Sessions.RemoveAll(s => s.Id == answer.Operation.SessionId);
            return;
        }

        var sessions = answer.Result.Sessions ?? (answer.Result.Session is { } one ? [one] : []);
        foreach (var session in sessions)
        {
            var index = user.Sessions.FindIndex(s => s.Id == session.Id);
            if (index >= 0 && user.Sessions[index].Version >= session.Version)
            {
                continue;
            }

            var timer = ConfirmedState.Timer(session, answer.ServerTimeMs, answer.Result.AppliedAtMs ?? 0);
            if (index >= 0)
            {
                user.Sessions[index] = timer;
            }
            else if (answer.Operation.Kind == OperationKind.Create)
            {
                user.Sessions.Add(timer);
                createdAt[session.Id] = session.CreatedAt;
            }
        }
    }

    /// <summary>
    /// Applies a queued operation as the server will: at <c>min(now, max(at, floor))</c>, after catching up with
    /// whatever fell due before it, through the same rules. An operation on a session that is gone changes nothing.
    /// </summary>
    private static void Replay(UserTimers user, QueuedOperation operation, long nowMs, Dictionary<long, DateTimeOffset> createdAt)
    {
        var session = user.Sessions.FirstOrDefault(s => s.Id == operation.SessionId && !s.Deleted);
        if (operation.Kind is not (OperationKind.Create or OperationKind.ResetAll) && session is null)
        {
            return;
        }

        var floor = operation.Kind switch
        {
            OperationKind.Create => TimerRules.FloorMs(user),
            OperationKind.ResetAll => TimerRules.ResetAllFloorMs(user),
            OperationKind.Start => TimerRules.StartFloorMs(user, session!),
            _ => TimerRules.FloorMs(user, session!),
        };
        var at = TimerRules.AppliedAtMs(Math.Max(nowMs, operation.At), operation.At, floor);
        var outcome = new Outcome();
        TimerRules.CatchUp(user, at, outcome);
        var body = operation.Body;
        switch (operation.Kind)
        {
            case OperationKind.Start:
                TimerRules.Start(user, session!, at, outcome);
                break;
            case OperationKind.Pause:
                TimerRules.Pause(user, session!, at, outcome);
                break;
            case OperationKind.Reset:
                TimerRules.Reset(user, session!, at, outcome);
                break;
            case OperationKind.ResetAll:
                TimerRules.ResetAll(user, at, outcome);
                break;
            case OperationKind.Delete:
                TimerRules.Delete(user, session!, at, outcome);
                break;
            case OperationKind.Create:
                var created = new SessionTimer
                {
                    Id = operation.LocalId!.Value,
                    NoGoal = (bool?)body?["noGoal"] ?? false,
                    Title = (string?)body?["title"] ?? "",
                    GroupId = (long?)body?["groupId"],
                };
                TimerRules.Create(user, created, (int?)body?["initialDuration"], (int?)body?["dailyGoalMinutes"], at, outcome);
                createdAt[created.Id] = DateTimeOffset.FromUnixTimeMilliseconds(at);
                break;
            case OperationKind.Edit:
                var ungroup = body!.ContainsKey("groupId") && body["groupId"] is null;
                TimerRules.Edit(user, session!, new SessionEdit(
                    (string?)body["title"], (long?)body["groupId"], ungroup, (int?)body["dailyGoalMinutes"], (int?)body["initialDuration"]), at, outcome);
                break;
        }
    }
}
