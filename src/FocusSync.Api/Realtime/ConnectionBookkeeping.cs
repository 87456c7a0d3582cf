using Microsoft.AspNetCore.SignalR;

namespace FocusSync.Api.Realtime;

/// <summary>
/// A hub filter that books something for each connection as the hub sees it connect and gives it back when it
/// disconnects, or at once when a later filter or the hub refuses the connection: SignalR calls no disconnect for a
/// connection whose connect failed.
/// </summary>
public abstract class ConnectionBookkeeping : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        Book(context.Context);
        try
        {
            await next(context);
        }
        catch
        {
            GiveBack(context.Context);
            throw;
        }
    }

    public async Task OnDisconnectedAsync(
        HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            GiveBack(context.Context);
        }
    }

    /// <summary>Books the connection; a <see cref="HubException"/> refuses it, with nothing booked.</summary>
    protected abstract void Book(HubCallerContext connection);

    /// <summary>Gives back what <see cref="Book"/> took for the connection.</summary>
    protected abstract void GiveBack(HubCallerContext connection);
}
