using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FocusSync.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;

namespace FocusSync.Tests.Infrastructure;

/// <summary>
/// One signed-in user of an app: typed calls for the endpoints the tests drive, each asserting the status the API
/// answers on success and returning the parsed body; being an <see cref="HttpClient"/>, it also sends raw requests
/// for tests of the wire format.
/// </summary>
public sealed class UserClient(FocusSyncApp app, string uid, HttpMessageHandler handler) : HttpClient(handler)
{
    private static readonly LocalDateTimePattern _localPattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm");

    public static readonly object Countdown = new { title = "Write", initialDuration = 1500, dailyGoalMinutes = 60 };

    public string Uid => uid;

    /// <summary>The user's time zone as last set through <see cref="ChangeSettingsAsync"/>; UTC until then.</summary>
    public DateTimeZone Zone { get; private set; } = DateTimeZone.Utc;

    /// <summary>A new user of <paramref name="app"/>, signed in (<c>POST /me/login</c>) with these settings, if any.</summary>
    public static async Task<UserClient> SignInAsync(FocusSyncApp app, object? settings = null)
    {
        var user = app.ClientFor(FocusSyncApp.NewUserId());
        await user.LoginAsync();
        if (settings is not null)
        {
            await user.ChangeSettingsAsync(settings);
        }

        return user;
    }

    public Task<JsonElement> CreateSessionAsync(object? body = null) => CallAsync(HttpMethod.Post, "/sessions", HttpStatusCode.Created, body ?? Countdown);

    public Task<JsonElement> CreateSessionAsync(string title, int duration = 1500, int goal = 60, long? groupId = null) =>
        CreateSessionAsync(new { title, initialDuration = duration, dailyGoalMinutes = goal, groupId });

    public async Task<long> CreateSessionIdAsync(object? body = null) => (await CreateSessionAsync(body)).Id();

    /// <summary>A session with a goal, or without one (<c>noGoal</c>) when <paramref name="goalMinutes"/> is null.</summary>
    public Task<long> CreateSessionIdAsync(string title, int? goalMinutes, long? groupId = null, int initialDuration = 7200) =>
        CreateSessionIdAsync(goalMinutes is { } goal
            ? new { title, groupId, initialDuration, dailyGoalMinutes = goal }
            : new { title, groupId, noGoal = true });

    public Task<JsonElement> GetSessionAsync(long id) => CallAsync(HttpMethod.Get, $"/sessions/{id}", HttpStatusCode.OK);

    public Task<JsonElement> ListAsync() => CallAsync(HttpMethod.Get, "/sessions", HttpStatusCode.OK);

    /// <summary>The user's change sequence number, as the session list reports it.</summary>
    public async Task<long> SeqAsync() => (await ListAsync()).GetProperty("seq").GetInt64();

    public Task<JsonElement> EditSessionAsync(long id, object body) => CallAsync(HttpMethod.Patch, $"/sessions/{id}", HttpStatusCode.OK, body);

    public Task DeleteSessionAsync(long id) => CallAsync(HttpMethod.Delete, $"/sessions/{id}", HttpStatusCode.NoContent);

    public Task<JsonElement> ActAsync(long id, string action) => CallAsync(HttpMethod.Post, $"/sessions/{id}/actions/{action}", HttpStatusCode.OK);

    public Task<JsonElement> StartAsync(long id) => ActAsync(id, "start");

    public Task<JsonElement> PauseAsync(long id) => ActAsync(id, "pause");

    public Task<JsonElement> ResetAllAsync() => CallAsync(HttpMethod.Post, "/sessions/actions/reset-all", HttpStatusCode.OK);

    public Task<JsonElement> CreateGroupAsync(string name) => CallAsync(HttpMethod.Post, "/groups", HttpStatusCode.Created, new { name });

    public async Task<long> CreateGroupIdAsync(string name = "Work") => (await CreateGroupAsync(name)).Id();

    public Task<JsonElement> EditGroupAsync(long id, string name) => CallAsync(HttpMethod.Patch, $"/groups/{id}", HttpStatusCode.OK, new { name });

    public Task DeleteGroupAsync(long id) => CallAsync(HttpMethod.Delete, $"/groups/{id}", HttpStatusCode.NoContent);

    public Task<JsonElement> LoginAsync() => CallAsync(HttpMethod.Post, "/me/login", HttpStatusCode.OK);

    public Task<JsonElement> MeAsync() => CallAsync(HttpMethod.Get, "/me", HttpStatusCode.OK);

    public async Task<JsonElement> ChangeSettingsAsync(object body)
    {
        var user = await CallAsync(HttpMethod.Patch, "/me", HttpStatusCode.OK, body);
        Zone = DateTimeZoneProviders.Tzdb[user.Str("timeZone")];
        return user;
    }

    /// <summary>A page of the user's change feed: the events after <paramref name="since"/>.</summary>
    public Task<JsonElement> ReadChangesAsync(long since, int? limit = null) => CallAsync(HttpMethod.Get, ChangesPath(since, limit), HttpStatusCode.OK);

    /// <summary>The feed's address for <c>since</c> and, when given, <c>limit</c>, for raw reads of its other answers.</summary>
    public static string ChangesPath(long since, int? limit = null) => $"/changes?since={since}" + (limit is null ? "" : $"&limit={limit}");

    public async Task<Report> ReportAsync(string query) => new(await CallAsync(HttpMethod.Get, "/analytics?" + query, HttpStatusCode.OK));

    /// <summary>Moves the app's clock to a local time in the user's zone ("2026-06-10T23:40").</summary>
    public void At(string local) =>
        app.Clock.SetUtcNow(_localPattern.Parse(local).Value.InZoneLeniently(Zone).ToDateTimeOffset());

    /// <summary>Runs a session from local time <paramref name="from"/> for <paramref name="minutes"/>.</summary>
    public async Task RunAsync(long id, string from, double minutes)
    {
        At(from);
        await StartAsync(id);
        app.Clock.Advance(TimeSpan.FromMinutes(minutes));
        await PauseAsync(id);
    }

    private async Task<JsonElement> CallAsync(HttpMethod method, string path, HttpStatusCode expected, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>An analytics report with lookups by bucket and session.</summary>
public sealed record Report(JsonElement Json)
{
    public IReadOnlyList<JsonElement> Buckets => [.. Json.GetProperty("buckets").EnumerateArray()];

    public IReadOnlyList<string> Starts => [.. Buckets.Select(b => b.GetProperty("start").GetString()!)];

    public JsonElement Bucket(string start) =>
        Buckets.Single(b => b.GetProperty("start").GetString() == start);

    /// <summary>The item of a session in a bucket, or null when the bucket lists no item for it.</summary>
    public static JsonElement? Item(JsonElement bucket, long sessionId) =>
        bucket.GetProperty("items").EnumerateArray()
            .Select(i => (JsonElement?)i)
            .SingleOrDefault(i => i!.Value.GetProperty("sessionId").GetInt64() == sessionId);

    public JsonElement Item(string start, long sessionId) =>
        Item(Bucket(start), sessionId) ?? throw new Xunit.Sdk.XunitException($"No item for session {sessionId} in bucket {start}.");

    public double Seconds(string start, long sessionId) => Item(start, sessionId).GetProperty("seconds").GetDouble();

    public JsonElement SummaryOf(long sessionId) =>
        Json.GetProperty("summary").GetProperty("sessions").EnumerateArray()
            .Single(s => s.GetProperty("sessionId").GetInt64() == sessionId);
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
