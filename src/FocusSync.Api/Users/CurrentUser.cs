using System.Security.Claims;
using FocusSync.Api.Auth;
using FocusSync.Api.Changes;

namespace FocusSync.Api.Users;

public static class CurrentUser
{
    /// <summary>The caller as the token names them; every query is scoped by this id.</summary>
    public static UserIdentity Identity(this ClaimsPrincipal principal) =>
        new(principal.UserId(), principal.Name(), principal.Email());
}
