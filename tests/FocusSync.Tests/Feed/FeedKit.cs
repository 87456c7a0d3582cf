using System.Text.Json;
using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Tests.Feed;

/// <summary>Raw reads of the change feed, its pages' fields, its store, and moving the clock until the timekeeper acts.</summary>
internal static class FeedKit
{
    /// <summary>A read of the feed as it is, for its answers other than a page (a 410).</summary>
    public static Task<HttpResponseMessage> GetChangesAsync(this HttpClient client, long since, int? limit = null) =>
        client.GetAsync(UserClient.ChangesPath(since, limit));

    public static JsonElement[] Events(this JsonElement page) => [.. page.GetProperty("events").EnumerateArray()];

    public static long PageSeq(this JsonElement page) => page.GetProperty("seq").GetInt64();

    public static bool HasMore(this JsonElement page) => page.GetProperty("hasMore").GetBoolean();

    /// <summary>The user's events as stored, by seq, read from the database itself.</summary>
    public static Task<List<long>> StoredSeqsAsync(this FocusSyncApp app, string uid) =>
        app.QueryAsync(db => db.StoredChanges.AsNoTracking().Where(c => c.UserId == uid).OrderBy(c => c.Seq).Select(c => c.Seq).ToListAsync());

    public static Task<long> UserSeqAsync(this FocusSyncApp app, string uid) =>
        app.QueryAsync(db => db.Users.AsNoTracking().Where(u => u.Id == uid).Select(u => u.Seq).SingleAsync());

    /// <summary>
    /// Moves the clock on by <paramref name="by"/>, then in 100 ms steps (at most a second of clock time, as the
    /// timekeeper may arm its timer just after the move) until <paramref name="watcher"/> has an unread event.
    /// </summary>
    public static async Task AdvanceUntilEventAsync(this FocusSyncApp app, TimeSpan by, HubClient watcher)
    {
        app.Clock.Advance(by);
        var step = TimeSpan.FromMilliseconds(100);
        for (var moved = TimeSpan.Zero; !await watcher.WaitForEventAsync(TimeSpan.FromMilliseconds(250)); moved += step)
        {
            Assert.True(moved < TimeSpan.FromSeconds(1), "No event within a second of clock time.");
            app.Clock.Advance(step);
        }
    }

    /// <summary>Makes the feed's store look as if the user had made <paramref name="seq"/> changes, of which only the given ones are kept.</summary>
    public static Task SetHistoryAsync(this FocusSyncApp app, string uid, long seq, IEnumerable<long> kept, int padding = 0) =>
        app.QueryAsync(async db =>
        {
            await db.StoredChanges.Where(c => c.UserId == uid).ExecuteDeleteAsync();
            await db.Users.Where(u => u.Id == uid).ExecuteUpdateAsync(s => s.SetProperty(u => u.Seq, seq));
            db.StoredChanges.AddRange(kept.Select(s => new StoredChange
            {
                UserId = uid,
                Seq = s,
                CreatedAtMs = app.Clock.GetUtcNow().ToUnixTimeMilliseconds(),
                Json = $$"""{"type":"addGroup","seq":{{s}},"serverTimeMs":0,"padding":"{{new string('x', padding)}}"}""",
            }));
            return await db.SaveChangesAsync();
        });
}
