using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Wraps the hub's lifetime manager (in-memory or the Redis backplane) to see each connection as a
/// <see cref="HubConnectionContext"/>, the one public type that can send a close message with a reason,
/// and hands it to the two that close connections with one: <see cref="HubShutdown"/> and <see cref="TokenExpiry"/>.
/// </summary>
internal sealed class TrackingLifetimeManager<THub>(HubLifetimeManager<THub> inner, HubShutdown shutdown, TokenExpiry expiry)
    : HubLifetimeManager<THub>
    where THub : Hub
{
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await inner.OnConnectedAsync(connection);
        shutdown.Track(connection);
        expiry.Track(connection);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        try
        {
            await inner.OnDisconnectedAsync(connection);
        }
        finally
        {
            expiry.Forget(connection);
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

public static class ConnectionTrackingSetup
{
    private const string InnerKey = "FocusSync.ConnectionTracking.Inner";

    /// <summary>
    /// Registers <see cref="HubShutdown"/> and <see cref="TokenExpiry"/> around the sessions hub's lifetime manager.
    /// Call it after the backplane is chosen: it wraps whichever lifetime manager is registered last.
    /// </summary>
    public static IServiceCollection AddConnectionTracking(this IServiceCollection services)
    {
        var chosen = services.LastOrDefault(d => d.ServiceType == typeof(HubLifetimeManager<>) && !d.IsKeyedService)?.ImplementationType
            ?? throw new InvalidOperationException("AddConnectionTracking must be called after AddSignalR.");
        services.AddKeyedSingleton(typeof(HubLifetimeManager<SessionsHub>), InnerKey, chosen.MakeGenericType(typeof(SessionsHub)));
        services.AddSingleton<HubShutdown>();
        services.AddSingleton<TokenExpiry>();
        services.AddSingleton<HubLifetimeManager<SessionsHub>>(sp => new TrackingLifetimeManager<SessionsHub>(
            sp.GetRequiredKeyedService<HubLifetimeManager<SessionsHub>>(InnerKey),
            sp.GetRequiredService<HubShutdown>(),
            sp.GetRequiredService<TokenExpiry>()));
        services.AddHostedService(sp => sp.GetRequiredService<HubShutdown>());
        return services;
    }
}
