using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using FocusSync.Api.Data;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Tests.Sync;

/// <summary>Helpers for timed actions, conflicts and /sync batches.</summary>
internal static class SyncKit
{
    private static readonly JsonSerializerOptions _wire = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The service's clock; tests send instants on it, as a client that estimates it perfectly would.</summary>
    public static long NowMs(this FocusSyncApp app) => app.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public static long Ms(DateTimeOffset instant) => instant.ToUnixTimeMilliseconds();

    /// <summary>A /sync operation with a fresh idempotency key unless <paramref name="key"/> is given.</summary>
    public static SyncOperation Op(
        OperationKind kind, long? sessionId = null, object? body = null, long? at = null, int? baseVersion = null, string? key = null) =>
        new(key ?? Guid.NewGuid().ToString("N"), kind, sessionId, body is null ? null : JsonSerializer.SerializeToNode(body, _wire)!.AsObject(), at, baseVersion);

    /// <summary>A batch as the wire carries it, for tests of the answers to batches the library would not send.</summary>
    public static Task<HttpResponseMessage> PostSyncAsync(this HttpClient client, params SyncOperation[] operations) =>
        client.PostAsJsonAsync("/sync", new { operations }, _wire);

    public static Task<SyncResponse> SyncAsync(this UserClient client, params SyncOperation[] operations) => client.Api.SyncAsync(operations);

    /// <summary>The instant a hub event's change applied at.</summary>
    public static long AppliedAtMs(this JsonElement change) => change.GetProperty("appliedAtMs").GetInt64();

    /// <summary>Milliseconds credited to the user per session and user-day, from TaskDailyTimes (rows with time only).</summary>
    public static Task<Dictionary<(long Session, DateOnly Day), long>> CreditsAsync(this FocusSyncApp app, string uid) =>
        app.QueryAsync(db => db.TaskDailyTimes.AsNoTracking().Where(t => t.UserId == uid && t.MsSpent > 0)
            .ToDictionaryAsync(t => (t.SessionId, t.Date), t => t.MsSpent));

    public static Task<int> IdempotencyRecordsAsync(this FocusSyncApp app, string uid) =>
        app.QueryAsync(db => db.Set<IdempotentRequest>().CountAsync(r => r.UserId == uid));
}
