using FocusSync.Api.Changes;
using Microsoft.AspNetCore.SignalR;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Stores a user's change events in the change feed with their change, and sends the committed ones to all of
/// their connections. Both are built from the same context, so the feed holds exactly what the hub sends.
/// </summary>
public sealed class HubChangePublisher(
    IHubContext<SessionsHub, ISessionsClient> hub, ChangeFeedWriter feed, AccountClosure accounts, ILogger<HubChangePublisher> logger)
    : IChangePublisher
{
    public void Record(ChangeContext decided) => feed.Append(decided.Db, decided.User.Id, ChangeEvent.From(decided));

    public Task PublishAsync(ChangeContext committed)
    {
        var user = hub.Clients.User(committed.User.Id);
        foreach (var change in ChangeEvent.From(committed))
        {
            // Not awaited, so a client that does not read never holds up the request or anyone else. Each
            // connection still gets the events in this order: SignalR queues a connection's writes as they
            // are called, and the transport's send timeout drops a connection whose queue stops moving.
            _ = ObserveAsync(user.Event(change), change);
        }

        return Task.CompletedTask;
    }

    public Task CloseAccountAsync(string userId) => accounts.CloseAsync(userId);

    private async Task ObserveAsync(Task send, ChangeEvent change)
    {
        try
        {
            await send;
        }
        catch (Exception ex)
        {
            // The change is committed; a client that missed the event sees the seq gap and resyncs.
            logger.LogWarning(ex, "Sending event {Type} (seq {Seq}) failed", change.Type, change.Seq);
        }
    }
}
