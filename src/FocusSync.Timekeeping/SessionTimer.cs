namespace FocusSync.Timekeeping;

/// <summary>
/// A session as the rules of SPEC section 3 see it: its timer, and the title and group an edit changes. Every
/// settable property is state to keep: the service's session row extends this class and stores each one as a column.
/// </summary>
public class SessionTimer
{
    public long Id { get; init; }

    /// <summary>Fixed at creation; see <see cref="TimerRules.RefuseGoalFields"/>.</summary>
    public bool NoGoal { get; init; }

    public string Title { get; set; } = "";
    public long? GroupId { get; set; }

    /// <summary>Seconds of one countdown; null for a goalless session.</summary>
    public int? InitialDurationSec { get; set; }

    public int? DailyGoalMinutes { get; set; }

    /// <summary>Milliseconds left when the countdown was last paused or set; null for a goalless session.</summary>
    public long? TimeLeftMs { get; set; }

    public long? TargetMs { get; set; }
    public long? RunStartedAtMs { get; set; }
    public bool IsCompleted { get; set; }

    /// <summary>Milliseconds credited to the current user-day.</summary>
    public long FocusMs { get; set; }

    public int Version { get; set; }

    /// <summary>
    /// The instant its latest change applied at (the change that made <see cref="Version"/>): a timed command on it
    /// applies no earlier (<see cref="TimerRules.FloorMs(UserTimers, SessionTimer)"/>).
    /// </summary>
    public long ChangedAtMs { get; set; }

    /// <summary>When the session was deleted: it is gone from lists, and its credited time stays in history.</summary>
    public long? DeletedAtMs { get; set; }

    public bool Deleted => DeletedAtMs is not null;

    public bool IsRunning => RunStartedAtMs is not null;

    public long? TimeLeftAt(long nowMs) =>
        NoGoal ? null : TargetMs is { } target ? Math.Max(0, target - InRun(nowMs)) : TimeLeftMs;

    public long FocusAt(long nowMs) => FocusMs + (RunStartedAtMs is { } started ? InRun(nowMs) - started : 0);

    /// <summary>
    /// Now, but never before the current run began: instances sharing a database may read clocks a few
    /// milliseconds apart, and a run must not count backwards.
    /// </summary>
    public long InRun(long nowMs) => RunStartedAtMs is { } started ? Math.Max(nowMs, started) : nowMs;

    internal long FullCountdownMs => InitialDurationSec!.Value * 1000L;

    public SessionTimer Snapshot() => (SessionTimer)MemberwiseClone();
}
