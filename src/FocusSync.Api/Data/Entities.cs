using FocusSync.Timekeeping;
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

    /// <summary>The current user-day, the instants it began and ends, and when the settings last changed (<see cref="UserClock"/>).</summary>
    public DateOnly Day { get; set; }

    public long DayStartMs { get; set; }
    public long DayEndMs { get; set; }
    public long SettingsChangedAtMs { get; set; }

    /// <summary>When the user last reset all sessions, and when any run last started or stopped (<see cref="UserTimers"/>).</summary>
    public long ResetAllAtMs { get; set; }

    public long RunChangedAtMs { get; set; }

    /// <summary>The earliest completion or day boundary still to perform; the due-work job's index.</summary>
    public long NextDueMs { get; set; }

    /// <summary>The settings this row stores.</summary>
    public UserSettings ReadSettings() => new(
        DateTimeZoneProviders.Tzdb[TimeZone], UserSettings.ParseResetTime(ResetTime), UserSettings.ParseWeekStart(WeekStart), SingleRunning);

    public UserClock ReadClock() => new()
    {
        Settings = ReadSettings(),
        Day = LocalDate.FromDateOnly(Day),
        DayStartMs = DayStartMs,
        DayEndMs = DayEndMs,
        SettingsChangedAtMs = SettingsChangedAtMs,
    };

    public void StoreClock(UserClock clock)
    {
        TimeZone = clock.Settings.Zone.Id;
        ResetTime = clock.Settings.ResetTimeText;
        WeekStart = clock.Settings.WeekStartText;
        SingleRunning = clock.Settings.SingleRunning;
        Day = clock.Day.ToDateOnly();
        DayStartMs = clock.DayStartMs;
        DayEndMs = clock.DayEndMs;
        SettingsChangedAtMs = clock.SettingsChangedAtMs;
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
/// The first result of a session command carrying an idempotency key (the Idempotency-Key header, or a /sync
/// operation's key); once expired (<see cref="IdempotencyOptions.Retention"/>) the key is new again and the row is
/// reused or pruned.
/// </summary>
public sealed class IdempotentRequest
{
    /// <summary>"create", "resetAll", or the kind and the session's id ("pause 7").</summary>
    public const int MaxOperationLength = 32;

    public required string UserId { get; init; }
    public required string Key { get; init; }

    /// <summary>What the key was first used for: a replay must name the same operation and send the same content.</summary>
    public string Operation { get; set; } = "";

    public string BodyHash { get; set; } = "";
    public int Status { get; set; }

    /// <summary>The rest of the result (its session, list or problem, and the instant it applied at) as JSON.</summary>
    public string ResponseJson { get; set; } = "";

    public long CreatedAtMs { get; set; }
}

/// <summary>
/// The seq a user met for the first time starts at: past the last seq of every account deleted so far (one row, no
/// user's id). A deleted account's uid signing in again starts a new account whose feed shares no seq with the old
/// one, so a client still holding an old seq gets a 410 from <c>GET /changes</c> instead of the new account's events.
/// </summary>
public sealed class SeqFloor
{
    public const int SingleId = 1;

    public int Id { get; init; }
    public long Seq { get; set; }
}
