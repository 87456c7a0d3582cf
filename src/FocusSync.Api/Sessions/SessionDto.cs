using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Timekeeping;

namespace FocusSync.Api.Sessions;

public sealed record SessionDto(
    long Id,
    string Title,
    long? GroupId,
    bool NoGoal,
    int? InitialDuration,
    double? TimeLeft,
    long? TargetTimeMs,
    long? RunStartedAtMs,
    string State,
    bool IsCompleted,
    int? DailyGoalMinutes,
    double FocusSeconds,
    int Version,
    DateTimeOffset CreatedAt)
{
    /// <summary>A session with the timer state <paramref name="timer"/> (the row's own, or a change's snapshot of it).</summary>
    public static SessionDto From(Session row, SessionTimer timer, long nowMs) => new(
        row.Id,
        row.Title,
        row.GroupId,
        timer.NoGoal,
        timer.InitialDurationSec,
        timer.TimeLeftAt(nowMs) / 1000.0,
        timer.TargetMs,
        timer.RunStartedAtMs,
        timer.IsRunning ? "RUNNING" : "PAUSED",
        timer.IsCompleted,
        timer.DailyGoalMinutes,
        timer.FocusAt(nowMs) / 1000.0,
        timer.Version,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAtMs));
}

public sealed record SessionList(IReadOnlyList<SessionDto> Sessions, long Seq, long ServerTimeMs);

public static class SessionViews
{
    public static SessionDto ToDto(this UserView view, Session session) => SessionDto.From(session, session, view.NowMs);

    public static SessionList ToList(this UserView view) => new([.. view.LiveSessions.Select(view.ToDto)], view.Seq, view.NowMs);
}

public sealed record CreateSessionRequest(
    string Title, long? GroupId, bool? NoGoal, int? InitialDuration, int? DailyGoalMinutes);

public sealed record EditSessionRequest(string? Title, long? GroupId, int? InitialDuration, int? DailyGoalMinutes);
