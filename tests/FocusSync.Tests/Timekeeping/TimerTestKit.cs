using FocusSync.Timekeeping;
using NodaTime;

namespace FocusSync.Tests.Timekeeping;

/// <summary>
/// Drives the timer rules the way the service does: every command first catches up to its instant.
/// Keeps every credit and change so tests can read them back like TaskDailyTime and the event stream.
/// </summary>
internal sealed class TimerTestKit
{
    public const long Second = 1000;
    public const long Minute = 60 * Second;
    public const long Hour = 60 * Minute;

    private long _nextId = 1;

    public TimerTestKit(string zone, LocalTime resetTime, bool singleRunning, long nowMs)
    {
        User = new UserTimers(UserClock.Create(Settings(Zone(zone), resetTime, singleRunning), nowMs), []);
    }

    public UserTimers User { get; }
    public List<Credit> Credits { get; } = [];
    public List<Change> Changes { get; } = [];
    public Outcome Last { get; private set; } = new();

    public static DateTimeZone Zone(string id) => DateTimeZoneProviders.Tzdb[id];

    public static UserSettings Settings(DateTimeZone zone, LocalTime resetTime, bool singleRunning) =>
        UserSettings.Default with { Zone = zone, ResetTime = resetTime, SingleRunning = singleRunning };

    /// <summary>Epoch ms of a UTC wall-clock time.</summary>
    public static long Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        Instant.FromUtc(year, month, day, hour, minute, second).ToUnixTimeMilliseconds();

    /// <summary>Epoch ms of a local time that exists exactly once in the zone.</summary>
    public static long Local(string zone, int year, int month, int day, int hour, int minute = 0) =>
        new LocalDateTime(year, month, day, hour, minute).InZoneStrictly(Zone(zone)).ToInstant().ToUnixTimeMilliseconds();

    public static LocalTime At(int hour, int minute = 0) => new(hour, minute);

    public static LocalDate Date(int year, int month, int day) => new(year, month, day);

    public Outcome Do(long nowMs, Action<UserTimers, Outcome> command)
    {
        var outcome = new Outcome();
        TimerRules.CatchUp(User, nowMs, outcome);
        command(User, outcome);
        Credits.AddRange(outcome.Credits);
        Changes.AddRange(outcome.Changes);
        Last = outcome;
        return outcome;
    }

    /// <summary>
    /// A timed command (SPEC section 7) as the service applies it: caught up to the instant it applies at — when the
    /// person acted, never before <paramref name="floor"/>'s instant nor after now — decided there, then caught up to now.
    /// Returns that instant.
    /// </summary>
    public long DoAt(long nowMs, long? atMs, Func<UserTimers, long> floor, Action<UserTimers, long, Outcome> command)
    {
        var outcome = new Outcome();
        var appliedMs = TimerRules.AppliedAtMs(nowMs, atMs, floor(User));
        TimerRules.CatchUp(User, appliedMs, outcome);
        command(User, appliedMs, outcome);
        TimerRules.CatchUp(User, nowMs, outcome);
        Credits.AddRange(outcome.Credits);
        Changes.AddRange(outcome.Changes);
        Last = outcome;
        return appliedMs;
    }

    public long StartAt(SessionTimer s, long nowMs, long atMs) =>
        DoAt(nowMs, atMs, u => TimerRules.StartFloorMs(u, s), (u, at, o) => TimerRules.Start(u, s, at, o));

    public long PauseAt(SessionTimer s, long nowMs, long atMs) =>
        DoAt(nowMs, atMs, u => TimerRules.FloorMs(u, s), (u, at, o) => TimerRules.Pause(u, s, at, o));

    public Outcome CatchUp(long nowMs) => Do(nowMs, (_, _) => { });

    public SessionTimer Countdown(long nowMs, int durationSec = 1500, int? goalMinutes = 60)
    {
        var session = new SessionTimer { Id = _nextId++ };
        Do(nowMs, (u, o) => TimerRules.Create(u, session, durationSec, goalMinutes, nowMs, o));
        return session;
    }

    public SessionTimer Goalless(long nowMs)
    {
        var session = new SessionTimer { Id = _nextId++, NoGoal = true };
        Do(nowMs, (u, o) => TimerRules.Create(u, session, null, null, nowMs, o));
        return session;
    }

    public Outcome Start(SessionTimer s, long nowMs) => Do(nowMs, (u, o) => TimerRules.Start(u, s, nowMs, o));

    public Outcome Pause(SessionTimer s, long nowMs) => Do(nowMs, (u, o) => TimerRules.Pause(u, s, nowMs, o));

    public Outcome Reset(SessionTimer s, long nowMs) => Do(nowMs, (u, o) => TimerRules.Reset(u, s, nowMs, o));

    public Outcome ResetAll(long nowMs) => Do(nowMs, (u, o) => TimerRules.ResetAll(u, nowMs, o));

    public Outcome Delete(SessionTimer s, long nowMs) => Do(nowMs, (u, o) => TimerRules.Delete(u, s, nowMs, o));

    public Outcome Edit(SessionTimer s, long nowMs, int? goalMinutes = null, int? durationSec = null) =>
        Do(nowMs, (u, o) => TimerRules.Edit(u, s, new SessionEdit(DailyGoalMinutes: goalMinutes, InitialDurationSec: durationSec), nowMs, o));

    public Outcome Settings(long nowMs, string? zone = null, LocalTime? resetTime = null) =>
        Do(nowMs, (u, o) => TimerRules.ChangeSettings(
            u, u.Clock.Settings with { Zone = zone is null ? u.Clock.Settings.Zone : Zone(zone), ResetTime = resetTime ?? u.Clock.Settings.ResetTime }, nowMs, o));

    /// <summary>Milliseconds in TaskDailyTime for a session and day: credits summed.</summary>
    public long Credited(SessionTimer s, LocalDate day) =>
        Credits.Where(c => c.SessionId == s.Id && c.Day == day).Sum(c => c.Ms);

    /// <summary>The goal TaskDailyTime keeps for a session and day: the last credit's goal wins.</summary>
    public int? GoalOn(SessionTimer s, LocalDate day) =>
        Credits.Last(c => c.SessionId == s.Id && c.Day == day).GoalMinutes;

    public long CreditedTotal(SessionTimer s) => Credits.Where(c => c.SessionId == s.Id).Sum(c => c.Ms);

    /// <summary>The days that received time (ms > 0) for a session, in order.</summary>
    public IReadOnlyList<(LocalDate Day, long Ms)> DaysWithTime(SessionTimer s) =>
        [.. Credits.Where(c => c.SessionId == s.Id)
            .GroupBy(c => c.Day)
            .Select(g => (g.Key, g.Sum(c => c.Ms)))
            .Where(r => r.Item2 > 0)
            .OrderBy(r => r.Key)];

    /// <summary>Every timer field of a session, for comparing states.</summary>
    public static string Describe(SessionTimer s) =>
        $"{s.Id} noGoal={s.NoGoal} dur={s.InitialDurationSec} goal={s.DailyGoalMinutes} left={s.TimeLeftMs} "
        + $"target={s.TargetMs} run={s.RunStartedAtMs} done={s.IsCompleted} focus={s.FocusMs} del={s.Deleted} v={s.Version}";

    public static string Describe(UserTimers user) =>
        $"zone={user.Clock.Settings.Zone.Id} reset={user.Clock.Settings.ResetTime} day={user.Clock.Day} end={user.Clock.DayEndMs} single={user.Clock.Settings.SingleRunning}\n"
        + string.Join("\n", user.Sessions.Select(Describe));
}
