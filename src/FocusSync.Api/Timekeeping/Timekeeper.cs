using NodaTime;

namespace FocusSync.Api.Timekeeping;

/// <summary>A user's clock and live sessions: the state the timer rules work on.</summary>
public sealed record UserTimers(UserClock Clock, List<SessionTimer> Sessions);

/// <summary>
/// The timer rules of SPEC section 3, free of ASP.NET and EF Core. Every command first catches up
/// with whatever fell due (completions, user-day boundaries) so that it acts on the present state.
/// </summary>
public static class Timekeeper
{
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

    /// <summary>The earliest instant at which something falls due without any command.</summary>
    public static long NextDueMs(UserTimers user) =>
        user.Sessions
            .Where(s => s is { Deleted: false, TargetMs: not null })
            .Select(s => s.TargetMs!.Value)
            .Append(user.Clock.DayEndMs)
            .Min();

    public static SessionTimer Create(
        UserTimers user, long id, int? initialDurationSec, int? dailyGoalMinutes, long nowMs, Outcome outcome)
    {
        var session = new SessionTimer
        {
            Id = id,
            NoGoal = initialDurationSec is null,
            InitialDurationSec = initialDurationSec,
            DailyGoalMinutes = dailyGoalMinutes,
            TimeLeftMs = initialDurationSec * 1000L,
            Version = 1,
        };
        user.Sessions.Add(session);
        RecordGoal(user, session, outcome);
        outcome.Changes.Add(new Change(ChangeType.AddSession, nowMs, [session.Snapshot()]));
        return session;
    }

    public static void Start(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        if (session.IsRunning)
        {
            return;
        }

        if (user.Clock.SingleRunning)
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

        changed.ForEach(s => s.Version++);
        outcome.Changes.Add(new Change(ChangeType.ResetAll, nowMs, [.. live.Select(s => s.Snapshot())]));
    }

    public static void Delete(UserTimers user, SessionTimer session, long nowMs, Outcome outcome)
    {
        StopRun(user, session, nowMs, outcome);
        session.Deleted = true;
        Changed(session, ChangeType.DeleteSession, nowMs, outcome);
    }

    /// <summary>
    /// Edits a session. Title and group are not timer fields: the caller applies them and passes
    /// <paramref name="otherFieldsChanged"/> so that the edit still counts as one change.
    /// </summary>
    public static void Edit(
        UserTimers user, SessionTimer session, int? dailyGoalMinutes, int? initialDurationSec,
        bool otherFieldsChanged, long nowMs, Outcome outcome)
    {
        var changed = otherFieldsChanged;
        if (dailyGoalMinutes is { } goal && goal != session.DailyGoalMinutes)
        {
            session.DailyGoalMinutes = goal;
            RecordGoal(user, session, outcome);
            changed = true;
        }

        var completes = false;
        if (initialDurationSec is { } duration && duration != session.InitialDurationSec)
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
    /// Changes the user's day settings. Settings the rules do not read (such as the week start) are applied
    /// by the caller, who passes <paramref name="otherSettingsChanged"/> so that they still count as one change.
    /// </summary>
    public static void ChangeSettings(
        UserTimers user, DateTimeZone zone, LocalTime resetTime, bool singleRunning, bool otherSettingsChanged,
        long nowMs, Outcome outcome)
    {
        var clock = user.Clock;
        var dayChanged = !Equals(zone, clock.Zone) || resetTime != clock.ResetTime;
        if (!dayChanged && singleRunning == clock.SingleRunning && !otherSettingsChanged)
        {
            return;
        }

        if (dayChanged)
        {
            clock.ChangeSettings(zone, resetTime, nowMs);
        }

        clock.SingleRunning = singleRunning;
        outcome.Changes.Add(new Change(ChangeType.AutoResetTimeChange, nowMs, []));
        CatchUp(user, nowMs, outcome);
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
            session.Version++;
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
        session.Version++;
        outcome.Changes.Add(new Change(type, atMs, [session.Snapshot()]));
    }
}
