using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Closes this instance's hub connections when the host begins to stop (SIGTERM), each with a close message
/// that says why and allows reconnecting, so clients reconnect to another instance (or to this one once it is
/// back) and resync, instead of meeting a dropped socket. A connection that arrives while stopping is closed
/// the same way at once.
/// </summary>
public sealed class HubShutdown(IHostApplicationLifetime lifetime, ILogger<HubShutdown> logger) : IHostedService, IDisposable
{
    public const string Reason = "Server is shutting down.";

    /// <summary>How long stopping waits for clients to leave after the close message before cutting them off.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Tracked> _connections = new(StringComparer.Ordinal);
    private CancellationTokenRegistration _registration;
    private volatile bool _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Stopping callbacks run last-registered first, and SignalR's own callback (which drops every transport
        // without a close message) was registered when the hub was mapped; this one, registered at host start,
        // runs before it, and holds it back until the clients have left.
        _registration = lifetime.ApplicationStopping.Register(CloseAll);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration.Dispose();

    /// <summary>A connection's start as the lifetime manager sees it: its own step first, then tracked.</summary>
    internal async Task ConnectedAsync(HubConnectionContext connection, Func<HubConnectionContext, Task> connect)
    {
        await connect(connection);
        var tracked = new Tracked(connection);
        _connections[connection.ConnectionId] = tracked;
        if (_stopping)
        {
            _ = CloseAsync(tracked);
        }
    }

    internal async Task DisconnectedAsync(HubConnectionContext connection, Func<HubConnectionContext, Task> disconnect)
    {
        try
        {
            await disconnect(connection);
        }
        finally
        {
            if (_connections.TryRemove(connection.ConnectionId, out var tracked))
            {
                tracked.Gone.TrySetResult();
            }
        }
    }

    private void CloseAll()
    {
        _stopping = true;
        var open = _connections.Values.ToList();
        if (open.Count == 0)
        {
            return;
        }

        logger.LogInformation("Closing {Count} hub connections: the server is shutting down", open.Count);
        var drained = Task.Run(async () =>
        {
            await Task.WhenAll(open.Select(CloseAsync));
            await Task.WhenAll(open.Select(c => c.Gone.Task)).WaitAsync(DrainTimeout);
        });
        try
        {
            // Synchronous on purpose: the host goes on to drop the transports as soon as this callback returns.
            drained.GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            var left = open.Where(c => !c.Gone.Task.IsCompleted).ToList();
            logger.LogWarning("{Count} hub clients did not leave within {Timeout}; aborting them", left.Count, DrainTimeout);
            foreach (var tracked in left)
            {
                tracked.Connection.Abort();
            }
        }
    }

    private async Task CloseAsync(Tracked tracked)
    {
        try
        {
            // The client stops on this message and, with automatic reconnect, starts reconnecting.
            await tracked.Connection.WriteAsync(new CloseMessage(Reason, allowReconnect: true));
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Sending the shutdown close message to a hub connection failed");
            tracked.Connection.Abort();
        }
    }

    private sealed record Tracked(HubConnectionContext Connection)
    {
        public TaskCompletionSource Gone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>
/// The hub's in-memory lifetime manager, with each connection handed to <see cref="HubShutdown"/>: the lifetime
/// manager is where a connection is seen as a <see cref="HubConnectionContext"/>, the one public type that can send
/// a close message with a reason. A subclass rather than a wrapper, so every other member stays the manager's own.
/// </summary>
internal sealed class ShutdownAwareLifetimeManager(HubShutdown shutdown, ILogger<DefaultHubLifetimeManager<SessionsHub>> logger)
    : DefaultHubLifetimeManager<SessionsHub>(logger)
{
    public override Task OnConnectedAsync(HubConnectionContext connection) => shutdown.ConnectedAsync(connection, base.OnConnectedAsync);

    public override Task OnDisconnectedAsync(HubConnectionContext connection) => shutdown.DisconnectedAsync(connection, base.OnDisconnectedAsync);
}

/// <summary>The Redis backplane's lifetime manager, with each connection handed to <see cref="HubShutdown"/> likewise.</summary>
internal sealed class ShutdownAwareRedisLifetimeManager(
    HubShutdown shutdown,
    ILogger<RedisHubLifetimeManager<SessionsHub>> logger,
    IOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions> redis,
    IHubProtocolResolver protocols,
    IOptions<HubOptions> hubs,
    IOptions<HubOptions<SessionsHub>> sessionsHub)
    : RedisHubLifetimeManager<SessionsHub>(logger, redis, protocols, hubs, sessionsHub)
{
    public override Task OnConnectedAsync(HubConnectionContext connection) => shutdown.ConnectedAsync(connection, base.OnConnectedAsync);

    public override Task OnDisconnectedAsync(HubConnectionContext connection) => shutdown.DisconnectedAsync(connection, base.OnDisconnectedAsync);
}

public static class GracefulShutdownSetup
{
    /// <summary>
    /// Registers <see cref="HubShutdown"/> with the sessions hub's lifetime manager. Call it after the backplane is
    /// chosen: it replaces whichever lifetime manager is registered last with its shutdown-aware subclass.
    /// </summary>
    public static IServiceCollection AddHubShutdown(this IServiceCollection services)
    {
        var chosen = services.LastOrDefault(d => d.ServiceType == typeof(HubLifetimeManager<>) && !d.IsKeyedService)?.ImplementationType;
        var aware = chosen == typeof(DefaultHubLifetimeManager<>) ? typeof(ShutdownAwareLifetimeManager)
            : chosen == typeof(RedisHubLifetimeManager<>) ? typeof(ShutdownAwareRedisLifetimeManager)
            : throw new InvalidOperationException(
                $"AddHubShutdown must be called after AddSignalR, with the in-memory or the Redis lifetime manager (found {chosen?.Name ?? "none"}).");
        services.AddSingleton<HubShutdown>();
        services.AddSingleton(typeof(HubLifetimeManager<SessionsHub>), aware);
        services.AddHostedService(sp => sp.GetRequiredService<HubShutdown>());
        return services;
    }
}
