using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FocusSync.Client;

/// <summary>A session as the REST API and the hub send it, with <c>timeLeft</c> and <c>focusSeconds</c> as of the message's <c>serverTimeMs</c>.</summary>
public sealed record Session(
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
    /// <summary>In the answer to a change: the instant it applied at.</summary>
    public long? AppliedAtMs { get; init; }

    [JsonIgnore]
    public bool IsRunning => State == "RUNNING";
}

/// <summary>All live sessions, oldest first, with the user's <c>seq</c> and the server's clock.</summary>
public sealed record SessionList(IReadOnlyList<Session> Sessions, long Seq, long ServerTimeMs)
{
    public long? AppliedAtMs { get; init; }
}

public sealed record Group(long Id, string Name, string Description);

/// <summary>The signed-in user's profile and settings.</summary>
public sealed record User(
    string Id,
    string? Name,
    string? Email,
    DateTimeOffset CreatedAt,
    string TimeZone,
    string ResetTime,
    string WeekStart,
    bool SingleRunning,
    string CurrentDay,
    long CurrentDayEndsAtMs,
    long ServerTimeMs);

/// <summary>One change of the user's data, as the hub sends it and the change feed stores it.</summary>
public sealed record ChangeEvent(string Type, long Seq, long ServerTimeMs)
{
    public long AppliedAtMs { get; init; }
    public Session? Session { get; init; }
    public IReadOnlyList<Session>? Sessions { get; init; }
    public long? SessionId { get; init; }
    public Group? Group { get; init; }
    public long? GroupId { get; init; }
    public User? User { get; init; }
}

/// <summary>A page of the change feed: the events after the asked <c>since</c>, oldest first.</summary>
public sealed record ChangePage(IReadOnlyList<ChangeEvent> Events, long Seq, long ServerTimeMs, bool HasMore);

/// <summary>A new session: a countdown (<see cref="Countdown"/>) or a goalless stopwatch (<see cref="Stopwatch"/>).</summary>
public sealed record NewSession(string Title, int? InitialDuration, int? DailyGoalMinutes, long? GroupId = null, bool NoGoal = false)
{
    public static NewSession Countdown(string title, TimeSpan duration, int dailyGoalMinutes, long? groupId = null) =>
        new(title, (int)duration.TotalSeconds, dailyGoalMinutes, groupId);

    public static NewSession Stopwatch(string title, long? groupId = null) => new(title, null, null, groupId, NoGoal: true);

    internal JsonObject ToBody()
    {
        var body = new JsonObject { ["title"] = Title };
        if (GroupId is { } group)
        {
            body["groupId"] = group;
        }

        if (NoGoal)
        {
            body["noGoal"] = true;
        }

        if (InitialDuration is { } duration)
        {
            body["initialDuration"] = duration;
        }

        if (DailyGoalMinutes is { } goal)
        {
            body["dailyGoalMinutes"] = goal;
        }

        return body;
    }
}

/// <summary>An edit of a session: null leaves a field as it is; <see cref="Ungroup"/> takes it out of its group.</summary>
public sealed record SessionChanges(
    string? Title = null, long? GroupId = null, bool Ungroup = false, int? InitialDuration = null, int? DailyGoalMinutes = null)
{
    internal JsonObject ToBody()
    {
        var body = new JsonObject();
        if (Title is not null)
        {
            body["title"] = Title;
        }

        if (Ungroup)
        {
            body["groupId"] = null;
        }
        else if (GroupId is { } group)
        {
            body["groupId"] = group;
        }

        if (InitialDuration is { } duration)
        {
            body["initialDuration"] = duration;
        }

        if (DailyGoalMinutes is { } goal)
        {
            body["dailyGoalMinutes"] = goal;
        }

        return body;
    }
}

/// <summary>A change of the user's settings: null leaves a setting as it is.</summary>
public sealed record SettingsChanges(string? TimeZone = null, string? ResetTime = null, string? WeekStart = null, bool? SingleRunning = null);

/// <summary>
/// When the person acted (epoch ms on the server's clock as the client estimates it) and on which version of the
/// session: both optional (SPEC section 7, timed actions and conflicts).
/// </summary>
public sealed record ActionTiming(long? At = null, int? BaseVersion = null);

/// <summary>What a queued operation does (the <c>kind</c> of <c>POST /sync</c>).</summary>
public enum OperationKind
{
    Start,
    Pause,
    Reset,
    ResetAll,
    Create,
    Edit,
    Delete,
}

/// <summary>One operation of a <c>POST /sync</c> batch.</summary>
public sealed record SyncOperation(
    string IdempotencyKey, OperationKind Kind, long? SessionId = null, JsonObject? Body = null, long? At = null, int? BaseVersion = null);

/// <summary>An operation's answer: what its endpoint would have answered.</summary>
public sealed record SyncResult(int Status)
{
    public Session? Session { get; init; }
    public IReadOnlyList<Session>? Sessions { get; init; }
    public Problem? Problem { get; init; }
    public long? AppliedAtMs { get; init; }

    [JsonIgnore]
    public bool Succeeded => Status is >= 200 and < 300;
}

public sealed record SyncResponse(IReadOnlyList<SyncResult> Results, long Seq, long ServerTimeMs);

/// <summary>An RFC 9457 problem details body: for a 400 the messages per field, for a 412 the session as it is now.</summary>
public sealed record Problem(string? Type, string? Title, int? Status, string? Detail)
{
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>With a 412: the session as the server has it now.</summary>
    public Session? Session { get; init; }
}

public enum AnalyticsPeriod
{
    Daily,
    Weekly,
    Monthly,
}

/// <summary>Time per session per day, week or month; dates are user-days.</summary>
public sealed record AnalyticsReport(
    string Period, DateOnly From, DateOnly To, string TimeZone, IReadOnlyList<AnalyticsBucket> Buckets, AnalyticsSummary Summary);

/// <summary>
/// One day, week or month; <see cref="End"/> is its last user-day. <see cref="InProgress"/> marks the bucket holding
/// the user's current day: its goals can still be met, so an unmet one there is not (yet) a missed one.
/// </summary>
public sealed record AnalyticsBucket(DateOnly Start, DateOnly End, double TotalSeconds, IReadOnlyList<AnalyticsItem> Items, bool InProgress);

/// <summary>
/// A session's time in one bucket. A deleted session appears only where it has time, marked <see cref="Deleted"/>;
/// its goal is what it was that day.
/// </summary>
public sealed record AnalyticsItem(long SessionId, string Title, long? GroupId, double Seconds, int? GoalMinutes, bool? GoalMet, bool Deleted);

public sealed record AnalyticsSummary(double TotalSeconds, IReadOnlyList<AnalyticsSessionSummary> Sessions);

/// <summary>A session's time over the whole range and its current streak of goal-met user-days (null when goalless).</summary>
public sealed record AnalyticsSessionSummary(long SessionId, string Title, long? GroupId, double Seconds, int? CurrentStreakDays, bool Deleted);

/// <summary>The format of <c>GET /me/export</c>: one JSON document, or CSV files in a ZIP archive.</summary>
public enum ExportFormat
{
    Json,
    CsvZip,
}

/// <summary>A token from the development sign-in (<c>POST /dev/token</c>).</summary>
public sealed record DevelopmentToken(string Token, long ExpiresAtMs);

internal sealed record GroupList(IReadOnlyList<Group> Groups);

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
