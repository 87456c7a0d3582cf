using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Api;

/// <summary>Small helpers for driving the HTTP API and checking its answers.</summary>
internal static class ApiKit
{
    public const string ProblemJson = "application/problem+json";

    public static readonly object Countdown = new { title = "Write", initialDuration = 1500, dailyGoalMinutes = 60 };

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

    public static async Task<JsonElement> CreateSessionAsync(this HttpClient client, object? body = null) =>
        await client.PostAsJsonAsync("/sessions", body ?? Countdown).ExpectAsync(HttpStatusCode.Created);

    public static async Task<long> CreateSessionIdAsync(this HttpClient client, object? body = null) =>
        (await client.CreateSessionAsync(body)).Id();

    public static async Task<long> CreateGroupIdAsync(this HttpClient client, string name = "Work") =>
        (await client.PostAsJsonAsync("/groups", new { name }).ExpectAsync(HttpStatusCode.Created)).Id();

    public static Task<JsonElement> GetSessionAsync(this HttpClient client, long id) =>
        client.GetAsync($"/sessions/{id}").ExpectAsync(HttpStatusCode.OK);

    public static Task<JsonElement> ListAsync(this HttpClient client) =>
        client.GetAsync("/sessions").ExpectAsync(HttpStatusCode.OK);

    public static Task<JsonElement> ActAsync(this HttpClient client, long id, string action) =>
        client.PostAsync($"/sessions/{id}/actions/{action}", null).ExpectAsync(HttpStatusCode.OK);

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

    /// <summary>Asserts an RFC 9457 problem with the status and a human-readable detail; returns the body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.True(
            body.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String && detail.GetString()!.Length > 0,
            $"the problem has no detail: {text}");
        return body;
    }

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

    /// <summary>Reads the database behind the app directly, for what the API does not show (credited time per day).</summary>
    public static async Task<T> QueryAsync<T>(this FocusSyncApp app, Func<FocusSyncDb, Task<T>> query)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<FocusSyncDb>());
    }

    /// <summary>
    /// Milliseconds credited to a session per user-day, from TaskDailyTimes; days with a row but no time
    /// (a goal recorded at the start of a day) are left out.
    /// </summary>
    public static Task<Dictionary<DateOnly, long>> CreditedMsAsync(this IServiceProvider services, long sessionId) =>
        QueryServicesAsync(services, db => db.TaskDailyTimes.AsNoTracking().Where(t => t.SessionId == sessionId && t.MsSpent > 0)
            .ToDictionaryAsync(t => t.Date, t => t.MsSpent));

    private static async Task<T> QueryServicesAsync<T>(IServiceProvider services, Func<FocusSyncDb, Task<T>> query)
    {
        await using var scope = services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<FocusSyncDb>());
    }
}
