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

public sealed record CreateSessionRequest(
    string Title, long? GroupId, bool? NoGoal, int? InitialDuration, int? DailyGoalMinutes);

public sealed record EditSessionRequest(string? Title, long? GroupId, int? InitialDuration, int? DailyGoalMinutes);
