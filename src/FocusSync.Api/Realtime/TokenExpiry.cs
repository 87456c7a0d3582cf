using FocusSync.Api.Auth;
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

    // A timer cannot wait much longer than 49 days; a later close is armed again each time this has passed.
    private static readonly TimeSpan _longestWait = TimeSpan.FromDays(1);

    private static readonly object _watchKey = new();

    private readonly TimeProvider _time = time;

    /// <summary>When a connection opened with a token that expires at <paramref name="expires"/> is closed.</summary>
    public static DateTimeOffset ClosesAt(DateTimeOffset expires) => expires + AuthExtensions.ClockSkew;

    internal void Track(HubConnectionContext connection)
    {
        // Every hub connection is signed in with a token, which always has an exp; without one there is nothing to wait for.
        var closesAt = connection.User.TokenExpires() is { } expires ? ClosesAt(expires) : _time.GetUtcNow();
        var watch = new Watch(this, connection, closesAt);
        connection.Items[_watchKey] = watch;
        watch.Arm();
    }

    internal void Forget(HubConnectionContext connection)
    {
        if (connection.Items.Remove(_watchKey, out var watch))
        {
            ((Watch)watch!).Dispose();
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

        // Closed from this side too: a client that ignores the message must not go on receiving the user's events.
        connection.Abort();
    }

    private sealed class Watch : IDisposable
    {
        private readonly TokenExpiry _owner;
        private readonly HubConnectionContext _connection;
        private readonly DateTimeOffset _closesAt;
        private readonly ITimer _timer;

        public Watch(TokenExpiry owner, HubConnectionContext connection, DateTimeOffset closesAt)
        {
            _owner = owner;
            _connection = connection;
            _closesAt = closesAt;
            _timer = owner._time.CreateTimer(static watch => ((Watch)watch!).Arm(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        /// <summary>Closes the connection if its time has come, or sets the timer for it.</summary>
        public void Arm()
        {
            var left = _closesAt - _owner._time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                _timer.Change(left < _longestWait ? left : _longestWait, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _ = _owner.CloseAsync(_connection);
            }
        }

        public void Dispose() => _timer.Dispose();
    }
}
