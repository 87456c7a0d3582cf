using System.Security.Claims;

namespace FocusSync.Api.Auth;

/// <summary>Claim types of a Firebase ID token, kept unmapped (MapInboundClaims is off).</summary>
public static class FirebaseClaimTypes
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Email = "email";
}

public static class ClaimsPrincipalExtensions
{
    /// <summary>The Firebase uid (<c>sub</c>) of an authenticated user.</summary>
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(FirebaseClaimTypes.Subject)
        ?? throw new InvalidOperationException("The user has no sub claim; is the endpoint authorized?");

    public static string? Name(this ClaimsPrincipal user) => user.FindFirstValue(FirebaseClaimTypes.Name);

    public static string? Email(this ClaimsPrincipal user) => user.FindFirstValue(FirebaseClaimTypes.Email);
}
