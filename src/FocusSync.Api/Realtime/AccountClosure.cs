using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Ends the hub connections of a deleted account, with a close message that says so and forbids reconnecting: the
/// account is gone, and a client that reconnected with its still valid token would silently be listening to a new,
/// empty account. With the Redis backplane the deletion is published on a channel of its own, so every instance
/// closes the connections it holds; SignalR's own channels carry only messages to clients, never to the server.
/// </summary>
public sealed class AccountClosure(IOptions<RedisOptions> redis, ILogger<AccountClosure> logger) : IHostedService, IAsyncDisposable
{
    public const string Reason = "Account deleted: this account and its data no longer exist.";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<HubConnectionContext>> _byUser = new(StringComparer.Ordinal);
    private ConnectionMultiplexer? _backplane;

    private RedisChannel Channel => RedisChannel.Literal(redis.Value.ChannelPrefix + ":account-deleted");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis.Value.Connection is not { Length: > 0 } connection)
        {
            return;
        }

        // Not aborting on a failed connect: the instance starts while Redis is down, and subscribes once it is back.
        var options = ConfigurationOptions.Parse(connection);
        options.AbortOnConnectFail = false;
        _backplane = await ConnectionMultiplexer.ConnectAsync(options);
        await _backplane.GetSubscriber().SubscribeAsync(Channel, (_, published) => Heard(published));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_backplane is not null)
        {
            await _backplane.DisposeAsync();
        }
    }

    /// <summary>Closes the user's connections on this instance, and tells the other instances to close theirs.</summary>
    public async Task CloseAsync(string userId)
    {
        await CloseHereAsync(userId);
        if (_backplane is not null)
        {
            await _backplane.GetSubscriber().PublishAsync(Channel, userId);
        }
    }

    internal void Track(HubConnectionContext connection)
    {
        if (connection.UserIdentifier is not { } userId)
        {
            return;
        }

        lock (_lock)
        {
            if (!_byUser.TryGetValue(userId, out var connections))
            {
                _byUser[userId] = connections = [];
            }

            connections.Add(connection);
        }
    }

    internal void Forget(HubConnectionContext connection)
    {
        if (connection.UserIdentifier is not { } userId)
        {
            return;
        }

        lock (_lock)
        {
            if (_byUser.TryGetValue(userId, out var connections) && connections.Remove(connection) && connections.Count == 0)
            {
                _byUser.Remove(userId);
            }
        }
    }

    private void Heard(RedisValue published)
    {
        if (!published.IsNullOrEmpty)
        {
            _ = CloseHereAsync(published.ToString());
        }
    }

    private async Task CloseHereAsync(string userId)
    {
        List<HubConnectionContext> open;
        lock (_lock)
        {
            // Taken out at once: the instance that deleted hears its own publication too, and closes nothing twice.
            if (!_byUser.Remove(userId, out var connections))
            {
                return;
            }

            open = [.. connections];
        }

        logger.LogInformation("Closing {Count} hub connections of a deleted account", open.Count);
        await Task.WhenAll(open.Select(CloseOneAsync));
    }

    private async Task CloseOneAsync(HubConnectionContext connection)
    {
        try
        {
            await connection.WriteAsync(new CloseMessage(Reason, allowReconnect: false));
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Sending the account-deleted close message to a hub connection failed");
        }

        // Aborted rather than asked to close: SignalR's own close message that follows forbids reconnecting too.
        connection.Abort();
    }
}
