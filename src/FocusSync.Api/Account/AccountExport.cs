using System.Text.Json.Serialization;
using FocusSync.Api.Data;
using FocusSync.Api.Feed;
using FocusSync.Api.Groups;
using FocusSync.Api.Sessions;
using FocusSync.Api.Users;

namespace FocusSync.Api.Account;

/// <summary>
/// Everything stored about a user (<c>GET /me/export</c>), in the API's own shapes: the profile and settings as
/// <c>GET /me</c> shows them, every group, every session (a deleted one with the instant it was deleted), the whole
/// daily history, and the change feed still kept, each event as <c>GET /changes</c> replays it. It is written row by
/// row as read; this record is its shape, for the API document.
/// </summary>
public sealed record AccountExport(
    long ExportedAtMs,
    long Seq,
    UserDto User,
    IReadOnlyList<GroupDto> Groups,
    IReadOnlyList<ExportedSession> Sessions,
    IReadOnlyList<ExportedDailyTime> DailyTimes,
    IReadOnlyList<StoredEvent> Changes);

/// <summary>A session as <c>GET /sessions</c> shows it, deleted ones too.</summary>
public sealed record ExportedSession : SessionDto
{
    public ExportedSession(SessionDto session, long? deletedAtMs)
        : base(session) => DeletedAtMs = deletedAtMs;

    /// <summary>When the session was deleted; null for a live one.</summary>
    [JsonPropertyOrder(1)]
    public long? DeletedAtMs { get; }

    public static ExportedSession From(Session row, long nowMs) => new(SessionDto.From(row, row, nowMs), row.DeletedAtMs);
}

/// <summary>One row of the daily history (<see cref="TaskDailyTime"/>): time really spent on a session in one user-day, and that day's goal.</summary>
public sealed record ExportedDailyTime(DateOnly Date, long SessionId, long MsSpent, int? GoalMinutes)
{
    public static ExportedDailyTime From(TaskDailyTime row) => new(row.Date, row.SessionId, row.MsSpent, row.GoalMinutes);
}

/// <summary>A change-feed row as the CSV export writes it: its seq, and the event's JSON.</summary>
public sealed record ExportedChange(long Seq, string Event);
