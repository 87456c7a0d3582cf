using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FocusSync.Api.Data;
using FocusSync.Client;
using Group = FocusSync.Client.Group;
using Session = FocusSync.Client.Session;
using User = FocusSync.Client.User;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;

namespace FocusSync.Tests.Infrastructure;

/// <summary>
/// One signed-in user of an app. <see cref="Api"/> is the client library on the user's sign-in and the app's
/// transport, and the typed helpers below are shorthands over it with the tests' usual values; being an
/// <see cref="HttpClient"/>, it also sends raw requests for tests of the wire format.
/// </summary>
public sealed class UserClient : HttpClient
{
    private static readonly LocalDateTimePattern _localPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm");

    public static readonly NewSession Countdown = NewSession.Countdown("Write", TimeSpan.FromSeconds(1500), 60);

    private readonly FocusSyncApp _app;

    public UserClient(FocusSyncApp app, string uid, HttpMessageHandler handler, AccessTokenProvider tokens)
        : base(handler)
    {
        BaseAddress = app.Address;
        _app = app;
        Uid = uid;
        Api = new FocusSyncClient(this, tokens);
    }

    public string Uid { get; }

    /// <summary>The client library on this user's sign-in and this client's transport.</summary>
    public FocusSyncClient Api { get; }

    /// <summary>The user's time zone as last set through <see cref="ChangeSettingsAsync"/>; UTC until then.</summary>
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;

    /// <summary>A new user of <paramref name="app"/>, signed in (<c>POST /me/login</c>) with these settings, if any.</summary>
    public static async Task<UserClient> SignInAsync(FocusSyncApp app, SettingsChanges? settings = null)
    {
        var user = app.ClientFor(FocusSyncApp.NewUserId());
        await user.LoginAsync();
        if (settings is not null)
        {
            await user.ChangeSettingsAsync(settings);
        }

        return user;
    }

    public Task<Session> CreateSessionAsync(NewSession? session = null) => Api.CreateSessionAsync(session ?? Countdown);

    public Task<Session> CreateSessionAsync(string title, int duration = 1500, int goal = 60, long? groupId = null) =>
        CreateSessionAsync(new NewSession(title, duration, goal, groupId));

    public async Task<long> CreateSessionIdAsync(NewSession? session = null) => (await CreateSessionAsync(session)).Id;

    /// <summary>A session with a goal, or without one (<c>noGoal</c>) when <paramref name="goalMinutes"/> is null.</summary>
    public Task<long> CreateSessionIdAsync(string title, int? goalMinutes, long? groupId = null, int initialDuration = 7200) =>
        CreateSessionIdAsync(goalMinutes is { } goal ? new NewSession(title, initialDuration, goal, groupId) : NewSession.Stopwatch(title, groupId));

    public Task<Session> GetSessionAsync(long id) => Api.GetSessionAsync(id);

    public Task<SessionList> ListAsync() => Api.GetSessionsAsync();

    /// <summary>The user's change sequence number, as the session list reports it.</summary>
    public async Task<long> SeqAsync() => (await ListAsync()).Seq;

    public Task<Session> EditSessionAsync(long id, SessionChanges changes) => Api.EditSessionAsync(id, changes);

    public Task DeleteSessionAsync(long id) => Api.DeleteSessionAsync(id);

    /// <summary>The action named as in its path (<c>start</c>, <c>pause</c>, <c>reset</c>).</summary>
    public Task<Session> ActAsync(long id, string action, ActionTiming? timing = null) => action switch
    {
        "start" => Api.StartAsync(id, timing),
        "pause" => Api.PauseAsync(id, timing),
        "reset" => Api.ResetAsync(id, timing),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "No such action."),
    };

    public Task<Session> StartAsync(long id) => Api.StartAsync(id);

    public Task<Session> PauseAsync(long id) => Api.PauseAsync(id);

    public Task<SessionList> ResetAllAsync() => Api.ResetAllAsync();

    public Task<Group> CreateGroupAsync(string name) => Api.CreateGroupAsync(name);

    public async Task<long> CreateGroupIdAsync(string name = "Work") => (await CreateGroupAsync(name)).Id;

    public Task<Group> EditGroupAsync(long id, string name) => Api.EditGroupAsync(id, name);

    public Task DeleteGroupAsync(long id) => Api.DeleteGroupAsync(id);

    public Task<User> LoginAsync() => Api.LoginAsync();

    public Task<User> MeAsync() => Api.GetMeAsync();

    public async Task<User> ChangeSettingsAsync(SettingsChanges changes)
    {
        var user = await Api.UpdateSettingsAsync(changes);
        Zone = DateTimeZoneProviders.Tzdb[user.TimeZone];
        return user;
    }

    /// <summary>A page of the user's change feed: the events after <paramref name="since"/>.</summary>
    public Task<ChangePage> ReadChangesAsync(long since, int? limit = null) => Api.GetChangesAsync(since, limit);

    /// <summary>The feed's address for <c>since</c> and, when given, <c>limit</c>, for raw reads of its other answers.</summary>
    public static string ChangesPath(long since, int? limit = null) => $"/changes?since={since}" + (limit is null ? "" : $"&limit={limit}");

    /// <summary>An analytics report; <paramref name="from"/> and <paramref name="to"/> are user-days ("2026-06-10").</summary>
    public async Task<Report> ReportAsync(AnalyticsPeriod period = AnalyticsPeriod.Daily, string? from = null, string? to = null, long? groupId = null) =>
        new(await Api.GetAnalyticsAsync(period, Day(from), Day(to), groupId));

    /// <summary>Moves the app's clock to a local time in the user's zone ("2026-06-10T23:40").</summary>
    public void At(string local) =>
        _app.Clock.SetUtcNow(_localPattern.Parse(local).Value.InZoneLeniently(Zone).ToDateTimeOffset());

    /// <summary>Runs a session from local time <paramref name="from"/> for <paramref name="minutes"/>.</summary>
    public async Task RunAsync(long id, string from, double minutes)
    {
        At(from);
        await StartAsync(id);
        _app.Clock.Advance(TimeSpan.FromMinutes(minutes));
        await PauseAsync(id);
    }

    private static DateOnly? Day(string? day) => day is null ? null : DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>An analytics report with lookups by bucket and session.</summary>
public sealed record Report(AnalyticsReport Analytics)
{
    public IReadOnlyList<AnalyticsBucket> Buckets => Analytics.Buckets;

    public IReadOnlyList<string> Starts => [.. Buckets.Select(b => b.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))];

    public AnalyticsBucket Bucket(string start) =>
        Buckets.Single(b => b.Start == DateOnly.ParseExact(start, "yyyy-MM-dd", CultureInfo.InvariantCulture));

    /// <summary>The item of a session in a bucket, or null when the bucket lists no item for it.</summary>
    public static AnalyticsItem? Item(AnalyticsBucket bucket, long sessionId) => bucket.Items.SingleOrDefault(i => i.SessionId == sessionId);

    public AnalyticsItem Item(string start, long sessionId) =>
        Item(Bucket(start), sessionId) ?? throw new Xunit.Sdk.XunitException($"No item for session {sessionId} in bucket {start}.");

    public double Seconds(string start, long sessionId) => Item(start, sessionId).Seconds;

    public AnalyticsSessionSummary SummaryOf(long sessionId) => Analytics.Summary.Sessions.Single(s => s.SessionId == sessionId);
}

/// <summary>Checks of raw answers, reading their JSON, raw sends, and reads of the database behind an app.</summary>
public static class ApiClient
{
    public const string ProblemJson = "application/problem+json";

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrEmpty(text), $"{(int)response.StatusCode} had an empty body");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Sends and asserts the status, naming the body when it is not what was expected.</summary>
    public static async Task<JsonElement> ExpectAsync(this Task<HttpResponseMessage> sending, HttpStatusCode status)
    {
        using var response = await sending;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the status and a human-readable detail; returns the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.True(
            body.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(detail.GetString()),
            $"the problem has no detail: {text}");
        return body;
    }

    /// <summary>Asserts a problem as <see cref="AssertProblemAsync"/> does; returns its detail.</summary>
    public static async Task<string> AssertProblemDetailAsync(HttpResponseMessage response, HttpStatusCode status) =>
        (await AssertProblemAsync(response, status)).Str("detail");

    public static async Task<JsonElement> ExpectProblemAsync(this Task<HttpResponseMessage> sending, HttpStatusCode status)
    {
        using var response = await sending;
        return await AssertProblemAsync(response, status);
    }

    /// <summary>Asserts a 400 problem whose <c>errors</c> map names exactly the given fields.</summary>
    public static async Task<JsonElement> ExpectInvalidAsync(this Task<HttpResponseMessage> sending, params string[] fields)
    {
        var body = await sending.ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object, $"no errors map: {body}");
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        foreach (var field in errors.EnumerateObject())
        {
            Assert.NotEmpty(field.Value.EnumerateArray());
        }

        return body;
    }

    public static async Task<HttpResponseMessage> SendJsonAsync(
        this HttpClient client, HttpMethod method, string url, string json, Action<HttpRequestHeaders>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        headers?.Invoke(request.Headers);
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string url, object body) =>
        client.PatchAsJsonAsync(url, body);

    /// <summary>A change's answer as a read of the session shows it: without the instant the change applied at.</summary>
    public static string AsRead(this JsonElement session) =>
        Regex.Replace(session.GetRawText(), ",\"appliedAtMs\":[0-9]+", "", RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>A typed answer as JSON, to compare whole answers: records compare the lists they hold by reference.</summary>
    public static string ToJson(this object answer) => JsonSerializer.Serialize(answer);

    public static long Id(this JsonElement json) => json.GetProperty("id").GetInt64();

    public static string Str(this JsonElement json, string name) => json.GetProperty(name).GetString()!;

    public static double Num(this JsonElement json, string name) => json.GetProperty(name).GetDouble();

    public static int Version(this JsonElement json) => json.GetProperty("version").GetInt32();

    public static bool IsNull(this JsonElement json, string name) => json.GetProperty(name).ValueKind == JsonValueKind.Null;

    public static JsonElement[] Sessions(this JsonElement list) => [.. list.GetProperty("sessions").EnumerateArray()];

    /// <summary>Reads the database behind the app directly, for what the API does not show (credited time per day).</summary>
    public static Task<T> QueryAsync<T>(this FocusSyncApp app, Func<FocusSyncDb, Task<T>> query) => app.Services.QueryAsync(query);

    /// <summary>
    /// Milliseconds credited to a session per user-day, from TaskDailyTimes; days with a row but no time
    /// (a goal recorded at the start of a day) are left out.
    /// </summary>
    public static Task<Dictionary<DateOnly, long>> CreditedMsAsync(this IServiceProvider services, long sessionId) =>
        services.QueryAsync(db => db.TaskDailyTimes.AsNoTracking().Where(t => t.SessionId == sessionId && t.MsSpent > 0)
            .ToDictionaryAsync(t => t.Date, t => t.MsSpent));

    private static async Task<T> QueryAsync<T>(this IServiceProvider services, Func<FocusSyncDb, Task<T>> query)
    {
        await using var scope = services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<FocusSyncDb>());
    }
}
