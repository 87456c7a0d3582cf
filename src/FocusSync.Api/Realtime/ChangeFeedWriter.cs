using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FocusSync.Api.Data;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Adds a change's events to the change feed. The rows join the change's own unit of work, so they commit in
/// its transaction or not at all; each holds the event exactly as the hub writes it.
/// </summary>
public sealed class ChangeFeedWriter(IOptions<JsonHubProtocolOptions> hub)
{
    // SignalR's JSON protocol writes arguments with this encoder, whatever the payload options say; so must the feed.
    private static readonly JsonWriterOptions HubWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Adds the events to the unit of work; returns each one's JSON as stored.</summary>
    public IReadOnlyList<string> Append(FocusSyncDb db, string userId, IReadOnlyList<ChangeEvent> events)
    {
        var stored = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var change = events[i];
            stored[i] = Serialize(change);
            db.StoredChanges.Add(new StoredChange
            {
                UserId = userId,
                Seq = change.Seq,
                CreatedAtMs = change.ServerTimeMs,
                Json = stored[i],
            });
        }

        return stored;
    }

    /// <summary>The event as the argument of the hub's <c>event</c> call, byte for byte.</summary>
    private string Serialize(ChangeEvent change)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, HubWriter))
        {
            JsonSerializer.Serialize(writer, change, change.GetType(), hub.Value.PayloadSerializerOptions);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
