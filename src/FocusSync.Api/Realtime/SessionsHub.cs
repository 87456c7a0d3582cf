using FocusSync.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace FocusSync.Api.Realtime;

/// <summary>What the server calls on a client: one method, <c>event</c>, with one <see cref="ChangeEvent"/> as the change feed stored it.</summary>
public interface ISessionsClient
{
    [HubMethodName("event")]
    Task Event(SerializedChangeEvent change);
}

/// <summary>Clients only listen: every change arrives as one call of <c>event</c>; the hub has no methods to invoke.</summary>
[Authorize]
public sealed class SessionsHub : Hub<ISessionsClient>;

/// <summary>Addresses connections by the token's <c>sub</c>, so <c>Clients.User(uid)</c> reaches every tab and device of a user.</summary>
public sealed class SubjectUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) =>
        connection.User.FindFirst(FirebaseClaimTypes.Subject)?.Value;
}
