using FocusSync.Timekeeping;

namespace FocusSync.Client;

/// <summary>
/// A session of the live view. Immutable: a change of the session gives the view a new object. <see cref="TimeLeft"/>
/// and <see cref="FocusSeconds"/> are computed on each read from the server's clock as the view estimates it, so a
/// UI refreshes them with a timer of its own (once a second, say) and rebinds the list on the view's notifications.
/// </summary>
public sealed class LiveSession
{
    private readonly SessionTimer _timer;
    private readonly ServerClock _clock;

    internal LiveSession(SessionTimer timer, DateTimeOffset createdAt, bool isPending, ServerClock clock)
    {
        _timer = timer;
        _clock = clock;
        CreatedAt = createdAt;
        IsPending = isPending;
    }

    /// <summary>The session's id; negative while a session created offline waits for the server's.</summary>
    public long Id => _timer.Id;

    public string Title => _timer.Title;
    public long? GroupId => _timer.GroupId;
    public bool NoGoal => _timer.NoGoal;

    /// <summary>Seconds of one countdown; null for a goalless session.</summary>
    public int? InitialDuration => _timer.InitialDurationSec;

    public int? DailyGoalMinutes => _timer.DailyGoalMinutes;
    public bool IsRunning => _timer.IsRunning;
    public string State => _timer.IsRunning ? "RUNNING" : "PAUSED";
    public bool IsCompleted => _timer.IsCompleted;
    public int Version => _timer.Version;
    public long? TargetTimeMs => _timer.TargetMs;
    public long? RunStartedAtMs => _timer.RunStartedAtMs;
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Whether this state includes local actions the server has not confirmed yet.</summary>
    public bool IsPending { get; }

    /// <summary>Seconds left in the countdown now (null for a goalless session).</summary>
    public double? TimeLeft => TimeLeftAt(_clock.NowMs);

    /// <summary>Seconds spent on the session in the user's current day, the running part up to now included.</summary>
    public double FocusSeconds => FocusSecondsAt(_clock.NowMs);

    /// <summary>Seconds left at <paramref name="serverTimeMs"/> on the server's clock.</summary>
    public double? TimeLeftAt(long serverTimeMs) => _timer.TimeLeftAt(serverTimeMs) / 1000.0;

    public double FocusSecondsAt(long serverTimeMs) => _timer.FocusAt(serverTimeMs) / 1000.0;

    public override string ToString() => $"{Id} '{Title}' {State} v{Version}{(IsPending ? " (pending)" : "")}";
}
