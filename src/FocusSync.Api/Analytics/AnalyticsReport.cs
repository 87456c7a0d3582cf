namespace FocusSync.Api.Analytics;

public sealed record AnalyticsReport(
    string Period,
    DateOnly From,
    DateOnly To,
    string TimeZone,
    IReadOnlyList<BucketDto> Buckets,
    SummaryDto Summary);

/// <summary>One day, week or month; <c>end</c> is its last user-day.</summary>
public sealed record BucketDto(DateOnly Start, DateOnly End, double TotalSeconds, IReadOnlyList<BucketItemDto> Items);

public sealed record BucketItemDto(long SessionId, string Title, long? GroupId, double Seconds, int? GoalMinutes, bool? GoalMet);

public sealed record SummaryDto(double TotalSeconds, IReadOnlyList<SessionSummaryDto> Sessions);

/// <summary>A session's time over the whole range and its current streak of goal-met user-days (null when goalless).</summary>
public sealed record SessionSummaryDto(long SessionId, string Title, long? GroupId, double Seconds, int? CurrentStreakDays);
