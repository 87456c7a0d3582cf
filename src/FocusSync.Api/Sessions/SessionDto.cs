using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using FocusSync.Api.Changes;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Timekeeping;

namespace FocusSync.Api.Sessions;

public record SessionDto(
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
    /// <summary>In the answer to a change: the instant it applied at (SPEC section 7, timed actions).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AppliedAtMs { get; init; }

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

public sealed record SessionList(IReadOnlyList<SessionDto> Sessions, long Seq, long ServerTimeMs)
{
    /// <summary>In the answer to reset-all: the instant it applied at.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? AppliedAtMs { get; init; }
}

public static class SessionViews
{
    public static SessionDto ToDto(this UserView view, Session session) => SessionDto.From(session, session, view.NowMs);

    public static SessionList ToList(this UserView view) => new([.. view.LiveSessions.Select(view.ToDto)], view.Seq, view.NowMs);
}

/// <summary>What a timed change's request says of when the person acted and on which version (SPEC section 7).</summary>
public static class Timing
{
    /// <summary>The last millisecond of the year 9999: any later <c>at</c> is no instant a client can mean.</summary>
    public const long MaxAtMs = 253_402_300_799_999;

    public const string AtDescription =
        "when the person acted, in epoch milliseconds on the server's clock as the client estimates it; the change "
        + "applies at the latest of this and the last committed change it depends on, and never after now "
        + "(from 0 to 253402300799999; leave it out to act now)";

    public const string BaseVersionDescription =
        "the session's version the change was made on: another version is a 412 that carries the current session";
}

/// <summary>An action's optional body; no body at all means both fields absent.</summary>
[OptionalBody]
public sealed record ActionRequest(
    [DisallowNull, Range(0, Timing.MaxAtMs), Description(Timing.AtDescription)] long? At,
    [DisallowNull, Range(1, int.MaxValue), Description(Timing.BaseVersionDescription)] int? BaseVersion);

public sealed record CreateSessionRequest(
    [Required, Text(nameof(StoredText.SessionTitle))] string Title,
    long? GroupId,
    bool NoGoal,
    [Range(1, Session.MaxInitialDurationSec)] int? InitialDuration,
    [Range(1, Session.MaxDailyGoalMinutes)] int? DailyGoalMinutes,
    [DisallowNull, Range(0, Timing.MaxAtMs), Description(Timing.AtDescription)] long? At) : IValidatableObject
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
    [DisallowNull, Range(1, Session.MaxDailyGoalMinutes)] int? DailyGoalMinutes,
    [DisallowNull, Range(0, Timing.MaxAtMs), Description(Timing.AtDescription)] long? At,
    [DisallowNull, Range(1, int.MaxValue), Description(Timing.BaseVersionDescription)] int? BaseVersion);
