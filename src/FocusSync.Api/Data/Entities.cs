using FocusSync.Api.Timekeeping;
using NodaTime;

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
    public string TimeZone { get; set; } = UserSettings.Default.Zone.Id;
    public string ResetTime { get; set; } = UserSettings.Default.ResetTimeText;
    public string WeekStart { get; set; } = UserSettings.Default.WeekStartText;
    public bool SingleRunning { get; set; } = UserSettings.Default.SingleRunning;

    /// <summary>The user's change counter; also the optimistic-concurrency token that serialises their changes.</summary>
    public long Seq { get; set; }

    /// <summary>The current user-day and the instant it ends.</summary>
    public DateOnly Day { get; set; }

    public long DayEndMs { get; set; }

    /// <summary>The earliest completion or day boundary still to perform; the due-work job's index.</summary>
    public long NextDueMs { get; set; }

    /// <summary>The settings this row stores.</summary>
    public UserSettings ReadSettings() => new(
        DateTimeZoneProviders.Tzdb[TimeZone], UserSettings.ParseResetTime(ResetTime), UserSettings.ParseWeekStart(WeekStart), SingleRunning);

    public UserClock ReadClock() => new() { Settings = ReadSettings(), Day = LocalDate.FromDateOnly(Day), DayEndMs = DayEndMs };

    public void StoreClock(UserClock clock)
    {
        TimeZone = clock.Settings.Zone.Id;
        ResetTime = clock.Settings.ResetTimeText;
        WeekStart = clock.Settings.WeekStartText;
        SingleRunning = clock.Settings.SingleRunning;
        Day = clock.Day.ToDateOnly();
        DayEndMs = clock.DayEndMs;
    }
}

/// <summary>A group row: the group the rules see, and its owner.</summary>
public sealed class Group : SessionGroup
{
    public required string UserId { get; init; }
}

/// <summary>
/// A session row: the session the rules see, whose every field is a column of the same name, with its owner and
/// creation time. Deriving keeps one definition of the timer's state: the rules change the tracked row itself.
/// </summary>
public sealed class Session : SessionTimer
{
    /// <summary>A countdown lasts at most a day, and a daily goal is at most the whole day.</summary>
    public const int MaxInitialDurationSec = 86400;

    public const int MaxDailyGoalMinutes = 1440;

    public required string UserId { get; init; }
    public long CreatedAtMs { get; init; }
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
