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
