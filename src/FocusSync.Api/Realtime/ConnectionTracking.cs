using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Hands each hub connection, as the lifetime manager sees it, to those that close connections with a reason:
/// <see cref="HubShutdown"/>, <see cref="TokenExpiry"/> and <see cref="AccountClosure"/>. The lifetime manager is where a connection is seen as a
/// <see cref="HubConnectionContext"/>, the one public type that can send a close message with a reason.
/// </summary>
public sealed class ConnectionClosers(HubShutdown shutdown, TokenExpiry expiry, AccountClosure accounts)
{
    internal async Task ConnectedAsync(HubConnectionContext connection, Func<HubConnectionContext, Task> connect)
    {
        await connect(connection);
        shutdown.Track(connection);
        expiry.Track(connection);
        accounts.Track(connection);
    }

    internal async Task DisconnectedAsync(HubConnectionContext connection, Func<HubConnectionContext, Task> disconnect)
    {
        try
        {
            await disconnect(connection);
        }
        finally
        {
            accounts.Forget(connection);
            expiry.Forget(connection);
            shutdown.Forget(connection);
        }
    }
}

/// <summary>
/// The hub's in-memory lifetime manager, with each connection handed to <see cref="ConnectionClosers"/>, and a
/// user's connections found through an index by user: the base class finds them by looking at every connection of
/// the instance, once per event. A subclass rather than a wrapper, so every other member stays the manager's own.
/// </summary>
internal sealed class TrackingLifetimeManager(ConnectionClosers closers, ILogger<DefaultHubLifetimeManager<SessionsHub>> logger)
    : DefaultHubLifetimeManager<SessionsHub>(logger)
{
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, HubConnectionStore> _byUser = new(StringComparer.Ordinal);

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        // Indexed first, so that it hears every event from the moment the base class counts it in.
        Index(connection);
        try
        {
            await closers.ConnectedAsync(connection, base.OnConnectedAsync);
        }
        catch
        {
            Unindex(connection);
            throw;
        }
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        Unindex(connection);
        return closers.DisconnectedAsync(connection, base.OnDisconnectedAsync);
    }

    /// <summary>Serialises the message once per protocol and writes it to each connection of the user, as the base class does.</summary>
    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default)
    {
        if (!_byUser.TryGetValue(userId, out var connections))
        {
            return Task.CompletedTask;
        }

        var message = new SerializedHubMessage(new InvocationMessage(methodName, args));
        List<Task>? pending = null;
        foreach (var connection in connections)
        {
            var write = connection.WriteAsync(message, cancellationToken);
            if (!write.IsCompletedSuccessfully)
            {
                (pending ??= []).Add(write.AsTask());
            }
        }

        return pending is null ? Task.CompletedTask : Task.WhenAll(pending);
    }

    private void Index(HubConnectionContext connection)
    {
        if (connection.UserIdentifier is { } userId)
        {
            lock (_lock)
            {
                _byUser.GetOrAdd(userId, _ => new HubConnectionStore()).Add(connection);
            }
        }
    }

    // Under the lock, so that a connection of the same user arriving now is never added to a store being dropped.
    private void Unindex(HubConnectionContext connection)
    {
        if (connection.UserIdentifier is { } userId)
        {
            lock (_lock)
            {
                if (_byUser.TryGetValue(userId, out var connections))
                {
                    connections.Remove(connection);
                    if (connections.Count == 0)
                    {
                        _byUser.TryRemove(userId, out _);
                    }
                }
            }
        }
    }
}

/// <summary>The Redis backplane's lifetime manager, with each connection handed to <see cref="ConnectionClosers"/> likewise.</summary>
internal sealed class TrackingRedisLifetimeManager(
    ConnectionClosers closers,
    ILogger<RedisHubLifetimeManager<SessionsHub>> logger,
    IOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions> redis,
    IHubProtocolResolver protocols,
    IOptions<HubOptions> hubs,
    IOptions<HubOptions<SessionsHub>> sessionsHub)
    : RedisHubLifetimeManager<SessionsHub>(logger, redis, protocols, hubs, sessionsHub)
{
    public override Task OnConnectedAsync(HubConnectionContext connection) => closers.ConnectedAsync(connection, base.OnConnectedAsync);

    public override Task OnDisconnectedAsync(HubConnectionContext connection) => closers.DisconnectedAsync(connection, base.OnDisconnectedAsync);
}

public static class ConnectionTrackingSetup
{
    /// <summary>
    /// Registers <see cref="HubShutdown"/>, <see cref="TokenExpiry"/> and <see cref="AccountClosure"/> with the sessions hub's lifetime manager. Call it
    /// after the backplane is chosen: it replaces whichever lifetime manager is registered last with its tracking subclass.
    /// </summary>
    public static IServiceCollection AddConnectionTracking(this IServiceCollection services)
    {
        var chosen = services.LastOrDefault(d => d.ServiceType == typeof(HubLifetimeManager<>) && !d.IsKeyedService)?.ImplementationType;
        var tracking = chosen == typeof(DefaultHubLifetimeManager<>) ? typeof(TrackingLifetimeManager)
            : chosen == typeof(RedisHubLifetimeManager<>) ? typeof(TrackingRedisLifetimeManager)
            : throw new InvalidOperationException(
                $"AddConnectionTracking must be called after AddSignalR, with the in-memory or the Redis lifetime manager (found {chosen?.Name ?? "none"}).");
        services.AddSingleton<HubShutdown>();
        services.AddSingleton<TokenExpiry>();
        services.AddSingleton<AccountClosure>();
        services.AddSingleton<ConnectionClosers>();
        services.AddSingleton(typeof(HubLifetimeManager<SessionsHub>), tracking);
        services.AddHostedService(sp => sp.GetRequiredService<HubShutdown>());
        services.AddHostedService(sp => sp.GetRequiredService<AccountClosure>());
        return services;
    }
}
