namespace FocusSync.Timekeeping;

/// <summary>A user's clock and live sessions: the state the timer rules work on.</summary>
public sealed record UserTimers(UserClock Clock, List<SessionTimer> Sessions)
{
    /// <summary>When the user last reset all sessions (0: never).</summary>
    public long ResetAllAtMs { get; set; }

    /// <summary>When any session of the user last started or stopped running (0: never).</summary>
    public long RunChangedAtMs { get; set; }
}

/// <summary>
/// The rules of SPEC section 3, and the decisions about groups and settings that go with them, free of ASP.NET
/// and EF Core: each decides what changes, what time is credited and which events a change makes. Every command
/// first catches up with whatever fell due (completions, user-day boundaries) so that it acts on the present state.
/// </summary>
public static class TimerRules
{
    private const string DurationField = "initialDuration";
    private const string GoalField = "dailyGoalMinutes";

    /// <summary>Performs, in time order, each completion and auto-reset due at or before now.</summary>
    public static void CatchUp(UserTimers user, long nowMs, Outcome outcome)
    {
        while (true)
        {
            var completing = user.Sessions
                .Where(s => s is { Deleted: false, TargetMs: not null })
                .MinBy(s => s.TargetMs);
            var boundary = user.Clock.DayEndMs;
            if (completing is { TargetMs: { } target } && target <= nowMs && target <= boundary)
            {
                Complete(user, completing, target, outcome);
            }
            else if (boundary <= nowMs)
            {
                AutoReset(user, boundary, outcome);
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>
    /// The instant a command applies at (SPEC section 7, timed actions): when the person acted, as the client says,
    /// but never before <paramref name="floorMs"/> (what is committed is never rewritten) nor after now. Without
    /// <paramref name="atMs"/>, now.
    /// </summary>
    public static long AppliedAtMs(long nowMs, long? atMs, long floorMs) => Math.Min(nowMs, Math.Max(atMs ?? nowMs, floorMs));

    /// <summary>
    /// The floor of a command that acts on no existing session (create): the user-day boundary performed last, the
    /// last reset-all and the last settings change, with none of which it commutes.
    /// </summary>
    public static long FloorMs(UserTimers user) =>
        Math.Max(user.Clock.DayStartMs, Math.Max(user.Clock.SettingsChangedAtMs, user.ResetAllAtMs));

    /// <summary>The floor of a pause, reset, edit or delete of <paramref name="session"/>: also the session's own last change.</summary>
    public static long FloorMs(UserTimers user, SessionTimer session) => Math.Max(FloorMs(user), session.ChangedAtMs);

    /// <summary>
    /// The floor of a start. With <c>singleRunning</c> a start also pauses every other running session, so it follows
    /// their last changes too, and the last start or stop of any run: an earlier start would have had to stop a run
    /// that a committed change started later, or one that a committed change (a pause, a completion, a reset)
    /// already credited up to a later instant.
    /// </summary>
    public static long StartFloorMs(UserTimers user, SessionTimer session) =>
        !user.Clock.Settings.SingleRunning
            ? FloorMs(user, session)
            : user.Sessions.Where(s => s is { IsRunning: true, Deleted: false }).Select(s => s.ChangedAtMs)
                .Append(FloorMs(user, session)).Append(user.RunChangedAtMs).Max();

    /// <summary>The floor of a reset-all: it changes every live session, so it follows each one's last change.</summary>
    public static long ResetAllFloorMs(UserTimers user) =>
        user.Sessions.Where(s => !s.Deleted).Select(s => s.ChangedAtMs).Append(FloorMs(user)).Max();

    /// <summary>The earliest instant at which something falls due without any command.</summary>
    public static long NextDueMs(UserTimers user) =>
        user.Sessions
            .Where(s => s is { Deleted: false, TargetMs: not null })
            .Select(s => s.TargetMs!.Value)
            .Append(user.Clock.DayEndMs)
            .Min();

    /// <summary>
    /// The goalless rule (SPEC section 1) for a new session: a goalless session is a stopwatch, with no countdown
    /// and no daily goal, so each of the two that a request gives it is refused.
    /// </summary>
    public static IEnumerable<Refusal> RefuseGoalFields(bool noGoal, bool givesDuration, bool givesGoal)
    {
        if (noGoal && givesDuration)
        {
            yield return new Refusal(DurationField, $"A goalless session has no '{DurationField}'.");
        }

        if (noGoal && givesGoal)
        {
            yield return new Refusal(GoalField, $"A goalless session has no '{GoalField}'.");
        }
    }

    /// <summary>The goalless rule for an edit: a goalless session takes no goal or duration, whichever a request gives.</summary>
    public static Refusal? RefuseGoalEdit(SessionTimer session, int? dailyGoalMinutes, int? initialDurationSec) =>
        session.NoGoal && (dailyGoalMinutes is not null || initialDurationSec is not null)
            ? new Refusal(dailyGoalMinutes is not null ? GoalField : DurationField, "A goalless session has no goal or duration.")
            : null;

    /// <summary>
    /// Starts keeping a new session: a countdown of <paramref name="initialDurationSec"/> with a daily goal, or,
    /// when <paramref name="session"/> is goalless, a stopwatch (whose goal fields <see cref="RefuseGoalFields"/> refused).
    /// </summary>
    public static void Create(
        UserTimers user, SessionTimer session, int? initialDurationSec, int? dailyGoalMinutes, long nowMs, Outcome outcome)
    {
        session.InitialDurationSec = initialDurationSec;
        session.DailyGoalMinutes = dailyGoalMinutes;
        session.TimeLeftMs = initialDurationSec * 1000L;
        session.Version = 1;
        session.ChangedAtMs = nowMs;
        user.Sessions.Add(session);
        RecordGoal(user, session, outcome);
        outcome.Changes.Add(new Change(ChangeType.AddSession, nowMs, [session.Snapshot()]));
    }

    public static void Start(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        if (session.IsRunning)
        {
            return;
        }

        if (user.Clock.Settings.SingleRunning)
        {
            foreach (var other in user.Sessions.Where(s => s.IsRunning && !s.Deleted).ToList())
            {
                Pause(user, other, nowMs, outcome);
            }
        }

        if (!session.NoGoal)
        {
            if (session.IsCompleted)
            {
                session.TimeLeftMs = session.FullCountdownMs;
                session.IsCompleted = false;
            }

            session.TargetMs = nowMs + session.TimeLeftMs;
        }

        session.RunStartedAtMs = nowMs;
        user.RunChangedAtMs = Math.Max(user.RunChangedAtMs, nowMs);
        Changed(session, ChangeType.Start, nowMs, outcome);
    }

    public static void Pause(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        if (!session.IsRunning)
        {
            return;
        }

        StopRun(user, session, nowMs, outcome);
        Changed(session, ChangeType.Pause, nowMs, outcome);
    }

    public static void Reset(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        if (ResetTimer(user, session, nowMs, outcome))
        {
            Changed(session, ChangeType.ResetSession, nowMs, outcome);
        }
    }

    public static void ResetAll(UserTimers user, long nowMs, Outcome outcome)
    {
        var live = user.Sessions.Where(s => !s.Deleted).ToList();
        var changed = live.Where(s => ResetTimer(user, s, nowMs, outcome)).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        changed.ForEach(s => Touch(s, nowMs));
        user.ResetAllAtMs = Math.Max(user.ResetAllAtMs, nowMs);
        outcome.Changes.Add(new Change(ChangeType.ResetAll, nowMs, [.. live.Select(s => s.Snapshot())]));
    }

    public static void Delete(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        StopRun(user, session, nowMs, outcome);
        session.DeletedAtMs = nowMs;
        Changed(session, ChangeType.DeleteSession, nowMs, outcome);
    }

    /// <summary>
    /// Edits a session: one change when anything differs, title and group included. A goalless session's goal
    /// fields were refused before (<see cref="RefuseGoalEdit"/>).
    /// </summary>
    public static void Edit(UserTimers user, SessionTimer session, SessionEdit edit, long nowMs, Outcome outcome)
    {
        var groupId = edit.Ungroup ? null : edit.GroupId ?? session.GroupId;
        var changed = (edit.Title is not null && edit.Title != session.Title) || groupId != session.GroupId;
        session.Title = edit.Title ?? session.Title;
        session.GroupId = groupId;
        if (edit.DailyGoalMinutes is { } goal && goal != session.DailyGoalMinutes)
        {
            session.DailyGoalMinutes = goal;
            RecordGoal(user, session, outcome);
            changed = true;
        }

        var completes = false;
        if (edit.InitialDurationSec is { } duration && duration != session.InitialDurationSec)
        {
            var elapsed = session.FullCountdownMs - session.TimeLeftAt(nowMs)!.Value;
            session.InitialDurationSec = duration;
            var left = session.FullCountdownMs - elapsed;
            if (left <= 0)
            {
                StopRun(user, session, nowMs, outcome);
                session.TimeLeftMs = 0;
                completes = !session.IsCompleted;
                session.IsCompleted = true;
            }
            else
            {
                session.TimeLeftMs = left;
                session.TargetMs = session.IsRunning ? nowMs + left : null;
                session.IsCompleted = false;
            }

            changed = true;
        }

        if (changed)
        {
            Changed(session, ChangeType.EditSession, nowMs, outcome);
        }

        if (completes)
        {
            Changed(session, ChangeType.Complete, nowMs, outcome);
        }
    }

    /// <summary>
    /// Changes the user's settings: one change (the event autoResetTimeChange) when any of them differs. A new zone
    /// or reset time moves the end of today (SPEC section 2), and whatever that brings due is performed at once.
    /// </summary>
    public static void ChangeSettings(UserTimers user, UserSettings settings, long nowMs, Outcome outcome)
    {
        if (settings == user.Clock.Settings)
        {
            return;
        }

        user.Clock.ChangeSettings(settings, nowMs);
        outcome.Changes.Add(new Change(ChangeType.AutoResetTimeChange, nowMs, []));
        CatchUp(user, nowMs, outcome);
    }

    public static void AddGroup(SessionGroup group, long nowMs, Outcome outcome) =>
        outcome.Changes.Add(new Change(ChangeType.AddGroup, nowMs, [], group.Id));

    /// <summary>Renames or redescribes a group: one change when either differs. Null leaves a field as it is.</summary>
    public static void EditGroup(SessionGroup group, string? name, string? description, long nowMs, Outcome outcome)
    {
        if ((name ?? group.Name) == group.Name && (description ?? group.Description) == group.Description)
        {
            return;
        }

        group.Name = name ?? group.Name;
        group.Description = description ?? group.Description;
        outcome.Changes.Add(new Change(ChangeType.EditGroup, nowMs, [], group.Id));
    }

    /// <summary>Deletes a group: its live sessions become ungrouped, each one version newer, and travel with the change.</summary>
    public static void DeleteGroup(UserTimers user, SessionGroup group, long nowMs, Outcome outcome)
    {
        var ungrouped = user.Sessions.Where(s => !s.Deleted && s.GroupId == group.Id).OrderBy(s => s.Id).ToList();
        foreach (var session in ungrouped)
        {
            session.GroupId = null;
            Touch(session, nowMs);
        }

        outcome.Changes.Add(new Change(ChangeType.DeleteGroup, nowMs, [.. ungrouped.Select(s => s.Snapshot())], group.Id));
    }

    private static void Complete(UserTimers user, SessionTimer session, long targetMs, Outcome outcome)
    {
        StopRun(user, session, targetMs, outcome);
        session.TimeLeftMs = 0;
        session.IsCompleted = true;
        Changed(session, ChangeType.Complete, targetMs, outcome);
    }

    private static void AutoReset(UserTimers user, long boundaryMs, Outcome outcome)
    {
        var live = user.Sessions.Where(s => !s.Deleted).ToList();
        foreach (var session in live)
        {
            ResetTimer(user, session, boundaryMs, outcome);
            Touch(session, boundaryMs);
        }

        user.Sessions.ForEach(s => s.FocusMs = 0);

        user.Clock.AdvanceDay();
        foreach (var session in live)
        {
            RecordGoal(user, session, outcome);
        }

        outcome.Changes.Add(new Change(ChangeType.AutoReset, boundaryMs, [.. live.Select(s => s.Snapshot())]));
    }

    /// <summary>Credits a running session and stops it; returns whether the timer changed at all.</summary>
    private static bool ResetTimer(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        var pristine = !session.IsRunning && !session.IsCompleted
            && session.TimeLeftMs == session.InitialDurationSec * 1000L;
        StopRun(user, session, nowMs, outcome);
        session.TimeLeftMs = session.InitialDurationSec * 1000L;
        session.IsCompleted = false;
        return !pristine;
    }

    private static void StopRun(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        if (session.RunStartedAtMs is not { } started)
        {
            return;
        }

        // Catch-up pauses every run at the user-day boundary, so a run always lies within the current day.
        var ms = session.InRun(nowMs) - started;
        session.FocusMs += ms;
        outcome.Credits.Add(new Credit(session.Id, user.Clock.Day, ms, session.DailyGoalMinutes));
        session.TimeLeftMs = session.TimeLeftAt(nowMs);
        session.TargetMs = null;
        session.RunStartedAtMs = null;
        user.RunChangedAtMs = Math.Max(user.RunChangedAtMs, nowMs);
    }

    private static void RecordGoal(UserTimers user, SessionTimer session, Outcome outcome)
    {
        if (session.DailyGoalMinutes is not null)
        {
            outcome.Credits.Add(new Credit(session.Id, user.Clock.Day, 0, session.DailyGoalMinutes));
        }
    }

    private static void Changed(SessionTimer session, ChangeType type, long atMs, Outcome outcome)
    {
        Touch(session, atMs);
        outcome.Changes.Add(new Change(type, atMs, [session.Snapshot()]));
    }

    /// <summary>
    /// A new version of the session, made at <paramref name="atMs"/>. Instants recorded for floors only move forward:
    /// instances' clocks may disagree by a few milliseconds.
    /// </summary>
    private static void Touch(SessionTimer session, long atMs)
    {
        session.Version++;
        session.ChangedAtMs = Math.Max(session.ChangedAtMs, atMs);
    }
}

/// <summary>An edit of a session (SPEC section 3, edit): each field null when the request leaves it as it is.</summary>
public sealed record SessionEdit(
    string? Title = null, long? GroupId = null, bool Ungroup = false, int? DailyGoalMinutes = null, int? InitialDurationSec = null);
