using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FocusSync.Api.Auth;

/// <summary>The Firebase checks JwtBearer does not make itself, and the hub's query-string token.</summary>
internal sealed class FirebaseJwtBearerEvents(FirebaseSigningKeys signingKeys, TimeProvider timeProvider) : JwtBearerEvents
{
    public const int MaxUidLength = 128;

    private const string BearerPrefix = "Bearer ";

    public override async Task MessageReceived(MessageReceivedContext context)
    {
        var request = context.HttpContext.Request;

        // Browsers cannot set headers on WebSocket/SSE requests; elsewhere a URL token would leak into logs.
        if (request.Path.StartsWithSegments("/hubs") && request.Query["access_token"] is [{ Length: > 0 } queryToken])
        {
            context.Token = queryToken;
        }
        else
        {
            var authorization = request.Headers.Authorization.ToString();
            if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                context.Token = authorization[BearerPrefix.Length..].Trim();
            }
        }

        // The key resolver is synchronous, so any refresh the token's kid needs is awaited here, before validation.
        if (context.Token is { Length: > 0 } token && ReadKeyId(token) is { } kid)
        {
            await signingKeys.EnsureFreshAsync(kid, context.HttpContext.RequestAborted);
        }
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        // Handled here so the 401 carries a problem+json detail, as every other error does.
        context.HandleResponse();
        var reason = context.AuthenticateFailure switch
        {
            null => null,
            AuthenticationFailureException own => own.Message,
            _ => context.ErrorDescription,
        };

        var challenge = new List<string>();
        if (!string.IsNullOrEmpty(context.Error))
        {
            challenge.Add($"error=\"{context.Error}\"");
        }

        if (!string.IsNullOrEmpty(reason))
        {
            challenge.Add($"error_description=\"{reason.Replace('"', '\'')}\"");
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = challenge.Count == 0 ? "Bearer" : $"Bearer {string.Join(", ", challenge)}";

        var detail = context.AuthenticateFailure is null
            ? "This endpoint needs 'Authorization: Bearer <Firebase ID token>'."
            : $"The bearer token is not a valid Firebase ID token for this service. {reason}".TrimEnd();
        var problems = context.HttpContext.RequestServices.GetService<IProblemDetailsService>();
        if (problems is not null)
        {
            await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context.HttpContext,
                ProblemDetails = { Status = StatusCodes.Status401Unauthorized, Title = "Unauthorized", Detail = detail },
            });
        }
    }

    public override Task TokenValidated(TokenValidatedContext context)
    {
        var skew = context.Options.TokenValidationParameters.ClockSkew;
        var latest = (timeProvider.GetUtcNow() + skew).ToUnixTimeSeconds();

        if (context.SecurityToken is not JsonWebToken token)
        {
            context.Fail("The token is not a JWT.");
        }
        else if (string.IsNullOrWhiteSpace(token.Subject) || token.Subject.Length > MaxUidLength)
        {
            context.Fail("The token's sub must be a non-empty uid of at most 128 characters.");
        }
        else if (!token.TryGetPayloadValue<long>("auth_time", out var authTime))
        {
            context.Fail("The token has no auth_time.");
        }
        else if (authTime > latest)
        {
            context.Fail("The token's auth_time is in the future.");
        }
        else
        {
            context.Principal = Slim(context.Principal, context.Scheme.Name);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Keeps only the claims the service reads. A hub connection holds its principal for as long as it is open,
    /// and the default one also holds the validated token with its parsed payload.
    /// </summary>
    private static ClaimsPrincipal Slim(ClaimsPrincipal? principal, string authenticationType)
    {
        var claims = new List<Claim>(3);
        foreach (var type in (ReadOnlySpan<string>)[FirebaseClaimTypes.Subject, FirebaseClaimTypes.Name, FirebaseClaimTypes.Email])
        {
            if (principal?.FindFirst(type)?.Value is { } value)
            {
                claims.Add(new Claim(type, value));
            }
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, FirebaseClaimTypes.Subject, roleType: null));
    }

    /// <summary>Firebase tokens must carry exp and iat; exp in the future, iat and any nbf in the past.</summary>
    public static bool ValidateLifetime(
        TimeProvider timeProvider,
        DateTime? notBefore,
        DateTime? expires,
        SecurityToken securityToken,
        TokenValidationParameters parameters)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var skew = parameters.ClockSkew;

        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("The token has no exp.");
        }

        if (exp <= now - skew)
        {
            throw new SecurityTokenExpiredException($"The token expired at {exp:O}.") { Expires = exp };
        }

        if (notBefore is { } nbf && nbf > now + skew)
        {
            throw new SecurityTokenNotYetValidException($"The token is not valid before {nbf:O}.") { NotBefore = nbf };
        }

        if (securityToken is not JsonWebToken token || !token.TryGetPayloadValue<long>("iat", out _))
        {
            throw new SecurityTokenInvalidLifetimeException("The token has no iat.");
        }

        if (token.IssuedAt > now + skew)
        {
            throw new SecurityTokenInvalidLifetimeException($"The token was issued in the future ({token.IssuedAt:O}).");
        }

        return true;
    }

    private static string? ReadKeyId(string token)
    {
        try
        {
            return new JsonWebToken(token).Kid;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
