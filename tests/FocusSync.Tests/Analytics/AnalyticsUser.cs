using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;
using NodaTime;

namespace FocusSync.Tests.Analytics;

/// <summary>One user driving the real API on the app's fake clock, to build a history for analytics.</summary>
internal sealed class AnalyticsUser(FocusSyncApp app, HttpClient client, DateTimeZone zone) : IDisposable
{
    private static readonly NodaTime.Text.LocalDateTimePattern LocalPattern =
        NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm");

    public HttpClient Client => client;

    /// <summary>An app for building long histories: one user makes thousands of requests within seconds of real time.</summary>
    public static Task<FocusSyncApp> StartAppAsync(Db db) => FocusSyncApp.StartAsync(db, new Dictionary<string, string?>
    {
        ["RateLimits:PermitsPerSecond"] = "100000",
        ["RateLimits:Burst"] = "100000",
    });

    public static async Task<AnalyticsUser> SignInAsync(FocusSyncApp app, object? settings = null)
    {
        var client = app.ClientFor(FocusSyncApp.NewUserId());
        var login = await client.PostAsync("/me/login", null);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var zone = DateTimeZone.Utc;
        if (settings is not null)
        {
            var patched = await client.PatchAsJsonAsync("/me", settings);
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            var user = await patched.Content.ReadFromJsonAsync<JsonElement>();
            zone = DateTimeZoneProviders.Tzdb[user.GetProperty("timeZone").GetString()!];
        }

        return new AnalyticsUser(app, client, zone);
    }

    /// <summary>Moves the clock forward to a local time in the user's zone ("2026-06-10T23:40").</summary>
    public void At(string local)
    {
        var time = LocalPattern.Parse(local).Value;
        app.Clock.SetUtcNow(time.InZoneLeniently(zone).ToDateTimeOffset());
    }

    public async Task<long> CreateAsync(string title, int? goalMinutes, long? groupId = null, int initialDuration = 7200)
    {
        object body = goalMinutes is { } goal
            ? new { title, groupId, initialDuration, dailyGoalMinutes = goal }
            : new { title, groupId, noGoal = true };
        var response = await client.PostAsJsonAsync("/sessions", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    public Task StartAsync(long id) => SendAsync(HttpMethod.Post, $"/sessions/{id}/actions/start", HttpStatusCode.OK);

    public Task PauseAsync(long id) => SendAsync(HttpMethod.Post, $"/sessions/{id}/actions/pause", HttpStatusCode.OK);

    public Task DeleteAsync(long id) => SendAsync(HttpMethod.Delete, $"/sessions/{id}", HttpStatusCode.NoContent);

    public async Task SetGoalAsync(long id, int goalMinutes)
    {
        var response = await client.PatchAsJsonAsync($"/sessions/{id}", new { dailyGoalMinutes = goalMinutes });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task PatchMeAsync(object settings)
    {
        var response = await client.PatchAsJsonAsync("/me", settings);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task<long> CreateGroupAsync(string name)
    {
        var response = await client.PostAsJsonAsync("/groups", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    /// <summary>Runs a session from local time <paramref name="from"/> for <paramref name="minutes"/>.</summary>
    public async Task RunAsync(long id, string from, double minutes)
    {
        At(from);
        await StartAsync(id);
        app.Clock.Advance(TimeSpan.FromMinutes(minutes));
        await PauseAsync(id);
    }

    public async Task<Report> ReportAsync(string query)
    {
        var response = await client.GetAsync("/analytics?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new Report(await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public void Dispose() => client.Dispose();

    private async Task SendAsync(HttpMethod method, string path, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        var response = await client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }
}

internal sealed record Report(JsonElement Json)
{
    public IReadOnlyList<JsonElement> Buckets => [.. Json.GetProperty("buckets").EnumerateArray()];

    public JsonElement Bucket(string start) =>
        Buckets.Single(b => b.GetProperty("start").GetString() == start);

    public IReadOnlyList<string> Starts => [.. Buckets.Select(b => b.GetProperty("start").GetString()!)];

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

internal static class ItemAssert
{
    public static void Goal(JsonElement item, double seconds, int? goalMinutes, bool? goalMet)
    {
        Assert.Equal(seconds, item.GetProperty("seconds").GetDouble());
        var goal = item.GetProperty("goalMinutes");
        Assert.Equal(goalMinutes, goal.ValueKind == JsonValueKind.Null ? null : goal.GetInt32());
        var met = item.GetProperty("goalMet");
        Assert.Equal(goalMet, met.ValueKind == JsonValueKind.Null ? null : met.GetBoolean());
    }
}
