using FocusSync.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace FocusSync.Api.Realtime;

public interface ISessionsClient
{
    Task Event(ChangeEvent change);
}

/// <summary>Clients only listen: every change arrives as one call of <c>event</c>.</summary>
[Authorize]
public sealed class SessionsHub : Hub<ISessionsClient>;

public sealed class HubChangePublisher(IHubContext<SessionsHub, ISessionsClient> hub) : IChangePublisher
{
    public async Task PublishAsync(string userId, IReadOnlyList<ChangeEvent> events)
    {
        var user = hub.Clients.User(userId);
        foreach (var change in events)
        {
            await user.Event(change);
        }
    }
}

public sealed class SubjectUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst(FirebaseClaimTypes.Subject)?.Value;
}

public static class RealtimeSetup
{
    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<IUserIdProvider, SubjectUserIdProvider>();
        builder.Services.AddSingleton<IChangePublisher, HubChangePublisher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<SessionsHub>("/hubs/sessions");
        return app;
    }
}
