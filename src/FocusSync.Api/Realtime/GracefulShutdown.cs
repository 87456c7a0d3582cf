using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

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

    internal void Track(HubConnectionContext connection)
    {
        var tracked = new Tracked(connection);
        _connections[connection.ConnectionId] = tracked;
        if (_stopping)
        {
            _ = CloseAsync(tracked);
        }
    }

    internal void Forget(HubConnectionContext connection)
    {
        if (_connections.TryRemove(connection.ConnectionId, out var tracked))
        {
            tracked.Gone.TrySetResult();
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
/// Wraps the hub's lifetime manager (in-memory or the Redis backplane) to see each connection as a
/// <see cref="HubConnectionContext"/>, the one public type that can send a close message with a reason.
/// </summary>
internal sealed class ShutdownAwareLifetimeManager<THub>(HubLifetimeManager<THub> inner, HubShutdown shutdown)
    : HubLifetimeManager<THub>
    where THub : Hub
{
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await inner.OnConnectedAsync(connection);
        shutdown.Track(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        try
        {
            await inner.OnDisconnectedAsync(connection);
        }
        finally
        {
            shutdown.Forget(connection);
        }
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(
        string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(
        string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(
        IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(
        string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override Task SendGroupsAsync(
        IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

    public override Task SendGroupExceptAsync(
        string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds,
        CancellationToken cancellationToken = default) =>
        inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(
        IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);

    public override Task<T> InvokeConnectionAsync<T>(
        string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        inner.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, CompletionMessage result) =>
        inner.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        inner.TryGetReturnType(invocationId, out type);
}

public static class GracefulShutdownSetup
{
    private const string InnerKey = "FocusSync.HubShutdown.Inner";

    /// <summary>
    /// Registers <see cref="HubShutdown"/> around the sessions hub's lifetime manager. Call it after the
    /// backplane is chosen: it wraps whichever lifetime manager is registered last.
    /// </summary>
    public static IServiceCollection AddHubShutdown(this IServiceCollection services)
    {
        var chosen = services.LastOrDefault(d => d.ServiceType == typeof(HubLifetimeManager<>) && !d.IsKeyedService)?.ImplementationType
            ?? throw new InvalidOperationException("AddHubShutdown must be called after AddSignalR.");
        services.AddKeyedSingleton(typeof(HubLifetimeManager<SessionsHub>), InnerKey, chosen.MakeGenericType(typeof(SessionsHub)));
        services.AddSingleton<HubShutdown>();
        services.AddSingleton<HubLifetimeManager<SessionsHub>>(sp => new ShutdownAwareLifetimeManager<SessionsHub>(
            sp.GetRequiredKeyedService<HubLifetimeManager<SessionsHub>>(InnerKey), sp.GetRequiredService<HubShutdown>()));
        services.AddHostedService(sp => sp.GetRequiredService<HubShutdown>());
        return services;
    }
}
