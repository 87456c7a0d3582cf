namespace FocusSync.Api.Data;

public sealed class User
{
    public const int MaxIdLength = 128;
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 320;

    /// <summary>The longest IANA zone id is 32 characters; this leaves room for new ones.</summary>
    public const int MaxTimeZoneLength = 64;

    /// <summary>A reset time is stored as "HH:mm".</summary>
    public const int ResetTimeLength = 5;

    /// <summary>"wednesday", the longest day name.</summary>
    public const int MaxWeekStartLength = 9;

    public required string Id { get; init; }
    public string? Name { get; set; }
    public string? Email { get; set; }
    public long CreatedAtMs { get; init; }
    public string TimeZone { get; set; } = "UTC";
    public string ResetTime { get; set; } = "00:00";
    public string WeekStart { get; set; } = "monday";
    public bool SingleRunning { get; set; } = true;

    /// <summary>The user's change counter; also the optimistic-concurrency token that serialises their changes.</summary>
    public long Seq { get; set; }

    /// <summary>The current user-day and the instant it ends.</summary>
    public DateOnly Day { get; set; }

    public long DayEndMs { get; set; }

    /// <summary>The earliest completion or day boundary still to perform; the timekeeper's index.</summary>
    public long NextDueMs { get; set; }
}

public sealed class Group
{
    public long Id { get; init; }
    public required string UserId { get; init; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
}

public sealed class Session
{
    /// <summary>A countdown lasts at most a day, and a daily goal is at most the whole day.</summary>
    public const int MaxInitialDurationSec = 86400;

    public const int MaxDailyGoalMinutes = 1440;

    public long Id { get; init; }
    public required string UserId { get; init; }
    public required string Title { get; set; }
    public long? GroupId { get; set; }
    public bool NoGoal { get; init; }
    public int? InitialDurationSec { get; set; }
    public int? DailyGoalMinutes { get; set; }
    public long? TimeLeftMs { get; set; }
    public long? TargetMs { get; set; }
    public long? RunStartedAtMs { get; set; }
    public bool IsCompleted { get; set; }
    public long FocusMs { get; set; }
    public int Version { get; set; }
    public long CreatedAtMs { get; init; }
    public long? DeletedAtMs { get; set; }
}

/// <summary>Time really spent on a session in one user-day, and that day's goal.</summary>
public sealed class TaskDailyTime
{
    public long Id { get; init; }
    public required string UserId { get; init; }
    public long SessionId { get; init; }
    public DateOnly Date { get; init; }
    public long MsSpent { get; set; }
    public int? GoalMinutes { get; set; }
}

/// <summary>
/// The first response to a POST /sessions carrying an Idempotency-Key; once expired
/// (<see cref="IdempotencyOptions.Retention"/>) the key is new again and the row is reused or pruned.
/// </summary>
public sealed class IdempotentRequest
{
    public required string UserId { get; init; }
    public required string Key { get; init; }
    public string BodyHash { get; set; } = "";
    public long SessionId { get; set; }
    public string ResponseJson { get; set; } = "";
    public long CreatedAtMs { get; set; }
}
