using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
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
    [Required, Text(nameof(StoredText.SessionTitle))] string Title,
    long? GroupId,
    bool NoGoal,
    [Range(1, Session.MaxInitialDurationSec)] int? InitialDuration,
    [Range(1, Session.MaxDailyGoalMinutes)] int? DailyGoalMinutes) : IValidatableObject
{
    /// <summary>A countdown needs its duration and daily goal; a goalless session (a stopwatch) has neither.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var refusal in TimerRules.RefuseGoalFields(NoGoal, InitialDuration is not null, DailyGoalMinutes is not null))
        {
            yield return new ValidationResult(refusal.Message, [Member(refusal.Field)]);
        }

        (string Member, int? Value)[] goal = [(nameof(InitialDuration), InitialDuration), (nameof(DailyGoalMinutes), DailyGoalMinutes)];
        foreach (var (member, value) in goal.Where(g => !NoGoal && g.Value is null))
        {
            yield return new ValidationResult($"'{JsonNamingPolicy.CamelCase.ConvertName(member)}' is required.", [member]);
        }
    }

    private static string Member(string field) => JsonNamingPolicy.CamelCase.ConvertName(nameof(InitialDuration)) == field
        ? nameof(InitialDuration)
        : nameof(DailyGoalMinutes);
}

/// <summary>Changes only the fields sent; <c>groupId: null</c> takes the session out of its group.</summary>
public sealed record EditSessionRequest(
    [DisallowNull, Text(nameof(StoredText.SessionTitle))] string? Title,
    Optional<long?> GroupId,
    [DisallowNull, Range(1, Session.MaxInitialDurationSec)] int? InitialDuration,
    [DisallowNull, Range(1, Session.MaxDailyGoalMinutes)] int? DailyGoalMinutes);
