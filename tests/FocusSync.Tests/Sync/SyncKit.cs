using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Tests.Sync;

/// <summary>Helpers for timed actions, conflicts and /sync batches, over raw HTTP.</summary>
internal static class SyncKit
{
    /// <summary>The service's clock; tests send instants on it, as a client that estimates it perfectly would.</summary>
    public static long NowMs(this FocusSyncApp app) => app.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public static long Ms(DateTimeOffset instant) => instant.ToUnixTimeMilliseconds();

    /// <summary>A /sync operation; fields left null are not sent.</summary>
    public static Dictionary<string, object?> Op(
        string kind, long? sessionId = null, object? body = null, long? at = null, int? baseVersion = null, string? key = null)
    {
        var operation = new Dictionary<string, object?> { ["idempotencyKey"] = key ?? Guid.NewGuid().ToString("N"), ["kind"] = kind };
        if (sessionId is not null)
        {
            operation["sessionId"] = sessionId;
        }

        if (body is not null)
        {
            operation["body"] = body;
        }

        if (at is not null)
        {
            operation["at"] = at;
        }

        if (baseVersion is not null)
        {
            operation["baseVersion"] = baseVersion;
        }

        return operation;
    }

    public static Task<HttpResponseMessage> PostSyncAsync(this HttpClient client, params object[] operations) =>
        client.PostAsJsonAsync("/sync", new { operations });

    /// <summary>Sends a batch and returns its results, asserting a 200.</summary>
    public static async Task<JsonElement> SyncAsync(this HttpClient client, params object[] operations) =>
        await client.PostSyncAsync(operations).ExpectAsync(HttpStatusCode.OK);

    public static JsonElement[] Results(this JsonElement batch) => [.. batch.GetProperty("results").EnumerateArray()];

    public static int Status(this JsonElement result) => result.GetProperty("status").GetInt32();

    public static long AppliedAtMs(this JsonElement json) => json.GetProperty("appliedAtMs").GetInt64();

    /// <summary>An action with a JSON body (<c>at</c>, <c>baseVersion</c>).</summary>
    public static Task<HttpResponseMessage> ActAtAsync(this HttpClient client, long id, string action, object body) =>
        client.PostAsJsonAsync($"/sessions/{id}/actions/{action}", body);

    /// <summary>Milliseconds credited to the user per session and user-day, from TaskDailyTimes (rows with time only).</summary>
    public static Task<Dictionary<(long Session, DateOnly Day), long>> CreditsAsync(this FocusSyncApp app, string uid) =>
        app.QueryAsync(db => db.TaskDailyTimes.AsNoTracking().Where(t => t.UserId == uid && t.MsSpent > 0)
            .ToDictionaryAsync(t => (t.SessionId, t.Date), t => t.MsSpent));

    public static Task<int> IdempotencyRecordsAsync(this FocusSyncApp app, string uid) =>
        app.QueryAsync(db => db.Set<IdempotentRequest>().CountAsync(r => r.UserId == uid));
}
