using System.Collections.Concurrent;
using FocusSync.Api.Observability;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Limits the connections of one user on this instance. A hub filter sees the connection after
/// authentication and the handshake, with its user id known; refusing there closes it with an error
/// that says why and tells the client not to reconnect.
/// </summary>
public sealed class ConnectionCap(IOptions<RealtimeOptions> options, FocusSyncMetrics metrics) : ConnectionBookkeeping
{
    private readonly ConcurrentDictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _admitted = new(StringComparer.Ordinal);

    public int Count(string userId) => _perUser.TryGetValue(userId, out var count) ? count : 0;

    protected override void Book(HubCallerContext connection)
    {
        var userId = connection.UserIdentifier
            ?? throw new HubException("The connection has no user.");
        var max = options.Value.MaxConnectionsPerUser;
        if (!TryAdmit(userId, max))
        {
            metrics.HubRefused("connections_per_user");
            throw new HubException($"Too many connections: a user may hold at most {max} at once.");
        }

        _admitted[connection.ConnectionId] = userId;
        metrics.HubConnected();
    }

    protected override void GiveBack(HubCallerContext connection)
    {
        if (!_admitted.TryRemove(connection.ConnectionId, out var userId))
        {
            return;
        }

        metrics.HubDisconnected();
        _perUser.AddOrUpdate(userId, 0, (_, count) => count - 1);
        _perUser.TryRemove(new KeyValuePair<string, int>(userId, 0));
    }

    private bool TryAdmit(string userId, int max)
    {
        while (true)
        {
            if (_perUser.TryGetValue(userId, out var count))
            {
                if (count >= max)
                {
                    return false;
                }

                if (_perUser.TryUpdate(userId, count + 1, count))
                {
                    return true;
                }
            }
            else if (_perUser.TryAdd(userId, 1))
            {
                return true;
            }
        }
    }
}
