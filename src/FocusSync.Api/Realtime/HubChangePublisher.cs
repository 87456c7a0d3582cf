using System.Diagnostics;
using System.Text.Json;
using FocusSync.Api.Changes;
using FocusSync.Api.Observability;
using FocusSync.Timekeeping;
using Microsoft.AspNetCore.SignalR;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Stores a user's change events in the change feed with their change, and sends the committed ones to all of
/// their connections. The hub sends the very JSON the feed stored, so the feed holds exactly what the hub sends.
/// </summary>
public sealed class HubChangePublisher(
    IHubContext<SessionsHub, ISessionsClient> hub, ChangeFeedWriter feed, AccountClosure accounts, FocusSyncMetrics metrics,
    TimeProvider time, ILogger<HubChangePublisher> logger)
    : IChangePublisher
{
    public void Record(ChangeContext decided) =>
        decided.RecordedEvents = feed.Append(decided.Db, decided.User.Id, ChangeEvent.From(decided));

    public Task PublishAsync(ChangeContext committed)
    {
        var caller = Activity.Current;
        var span = FocusSyncTracing.Source.StartActivity("hub send", ActivityKind.Producer);
        try
        {
            span?.SetTag("messaging.system", "signalr").SetTag("focussync.events", committed.Outcome.Changes.Count);
            var user = hub.Clients.User(committed.User.Id);

            // Not awaited, so a client that does not read never holds up the request or anyone else. Each
            // connection still gets the events in this order: SignalR queues a connection's writes as they
            // are called, and the transport's send timeout drops a connection whose queue stops moving.
            // The events as the feed stored them, so each is built and serialised once for both.
            var recorded = committed.RecordedEvents ?? throw new InvalidOperationException("A change is published only after it was recorded.");
            var sends = committed.NumberedChanges
                .Zip(recorded, (numbered, json) => ObserveAsync(user.Event(new SerializedChangeEvent(json)), numbered.Change.Type, numbered.Seq, committed.CommittedAt))
                .ToArray();
            _ = EndAsync(span, sends);
        }
        finally
        {
            // The span lives on with the sends; the caller's own work after this is not part of it.
            Activity.Current = caller;
        }

        return Task.CompletedTask;
    }

    public Task CloseAccountAsync(string userId) => accounts.CloseAsync(userId);

    private static async Task EndAsync(Activity? span, Task[] sends)
    {
        await Task.WhenAll(sends);
        span?.Dispose();
    }

    private async Task ObserveAsync(Task send, ChangeType type, long seq, long committedAt)
    {
        try
        {
            await send;
            metrics.EventPublished(JsonNamingPolicy.CamelCase.ConvertName(type.ToString()), time.GetElapsedTime(committedAt));
        }
        catch (Exception ex)
        {
            // The change is committed; a client that missed the event sees the seq gap and resyncs.
            logger.LogWarning(ex, "Sending event {Type} (seq {Seq}) failed", type, seq);
        }
    }
}
