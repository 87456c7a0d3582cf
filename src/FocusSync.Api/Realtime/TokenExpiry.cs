using FocusSync.Api.Auth;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Ends each hub connection when the ID token it was opened with would no longer be accepted (its <c>exp</c>
/// plus the clock skew sign-in allows), with a close message that says why and allows reconnecting. The client
/// reconnects with a fresh token; a user whose Firebase account was disabled gets none, so their events stop
/// within one token lifetime. SignalR's own <c>CloseOnAuthenticationExpiration</c> is not used: it compares
/// against the system clock rather than the injected <see cref="TimeProvider"/>, and closes without a reason.
/// </summary>
public sealed class TokenExpiry(TimeProvider time, ILogger<TokenExpiry> logger)
{
    public const string Reason = "Token expired: reconnect with a fresh ID token.";

    // A timer cannot wait much longer than 49 days; a token claiming to live longer (Firebase's live an hour) ends then.
    private static readonly TimeSpan _longestWait = TimeSpan.FromDays(30);

    private static readonly object _timerKey = new();

    /// <summary>When a connection opened with a token that expires at <paramref name="expires"/> is closed.</summary>
    public static DateTimeOffset ClosesAt(DateTimeOffset expires) => expires + AuthExtensions.ClockSkew;

    internal void Track(HubConnectionContext connection)
    {
        // A principal without an expiry did not come from a token: it is closed at once rather than kept forever.
        var left = connection.User.TokenExpires() is { } expires ? ClosesAt(expires) - time.GetUtcNow() : TimeSpan.Zero;
        if (left <= TimeSpan.Zero)
        {
            _ = CloseAsync(connection);
            return;
        }

        connection.Items[_timerKey] = time.CreateTimer(
            static state =>
            {
                var (owner, connection) = ((TokenExpiry, HubConnectionContext))state!;
                _ = owner.CloseAsync(connection);
            },
            (this, connection),
            left < _longestWait ? left : _longestWait,
            Timeout.InfiniteTimeSpan);
    }

    internal void Forget(HubConnectionContext connection)
    {
        if (connection.Items.Remove(_timerKey, out var timer))
        {
            ((ITimer)timer!).Dispose();
        }
    }

    private async Task CloseAsync(HubConnectionContext connection)
    {
        logger.LogDebug("Closing hub connection {ConnectionId}: the token it was opened with has expired", connection.ConnectionId);
        try
        {
            await connection.WriteAsync(new CloseMessage(Reason, allowReconnect: true));
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Sending the token-expiry close message to a hub connection failed");
        }

        // Ended from this side too, so that a client that ignores the message hears no more of the user's events.
        // Abort() would follow with a second close message that forbids reconnecting, and a client reading both at
        // once obeys that one; a close request makes SignalR's own second message allow it as well.
        connection.Features.GetRequiredFeature<IConnectionLifetimeNotificationFeature>().RequestClose();
    }
}
