namespace FocusSync.Api.Analytics;

public sealed record AnalyticsReport(
    string Period,
    DateOnly From,
    DateOnly To,
    string TimeZone,
    IReadOnlyList<BucketDto> Buckets,
    SummaryDto Summary);

/// <summary>
/// One day, week or month; <c>end</c> is its last user-day. <c>inProgress</c> marks the bucket holding the user's
/// current day: its goals can still be met, so an unmet one there is not (yet) a missed one.
/// </summary>
public sealed record BucketDto(DateOnly Start, DateOnly End, double TotalSeconds, IReadOnlyList<BucketItemDto> Items, bool InProgress);

/// <summary>
/// A session's time in one bucket. A deleted session appears only where it has time, marked <c>deleted</c>; its goal
/// is what it was that day, and a goal line of what the person aims for now leaves it out.
/// </summary>
public sealed record BucketItemDto(long SessionId, string Title, long? GroupId, double Seconds, int? GoalMinutes, bool? GoalMet, bool Deleted);

public sealed record SummaryDto(double TotalSeconds, IReadOnlyList<SessionSummaryDto> Sessions);

/// <summary>A session's time over the whole range and its current streak of goal-met user-days (null when goalless).</summary>
public sealed record SessionSummaryDto(long SessionId, string Title, long? GroupId, double Seconds, int? CurrentStreakDays, bool Deleted);
