using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FocusSync.Api.Auth;

/// <summary>The Firebase checks JwtBearer does not make itself, and the hub's query-string token.</summary>
internal sealed class FirebaseJwtBearerEvents(
    FirebaseSigningKeys signingKeys, TimeProvider timeProvider, IOptions<AuthOptions> options) : JwtBearerEvents
{
    private const string BearerPrefix = "Bearer ";

    private const string MalformedToken =
        "The token is not a signed compact JWT (header.payload.signature: three base64url parts, JSON header and payload).";

    private static readonly SearchValues<char> _base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public override async Task MessageReceived(MessageReceivedContext context)
    {
        var request = context.HttpContext.Request;

        // Browsers cannot set headers on WebSocket/SSE requests; elsewhere a URL token would leak into logs.
        if (request.IsHubRequest() && request.Query["access_token"] is [{ Length: > 0 } queryToken])
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

        if (context.Token is not { Length: > 0 } token)
        {
            return;
        }

        // Refused before JwtBearer reads it: an unreadable token is a 401 with one short log line, never an exception.
        var acceptsUnsigned = options.Value.Firebase.EmulatorHost is not null;
        if (!TryReadKeyId(token, acceptsUnsigned, out var kid, out var signed))
        {
            context.Fail(MalformedToken);
            return;
        }

        // An emulator token names no key, so there is nothing to fetch for it.
        if (!signed)
        {
            return;
        }

        // The key resolver is synchronous, so any refresh the token's kid needs is awaited here, before validation.
        var aborted = context.HttpContext.RequestAborted;
        try
        {
            await signingKeys.EnsureFreshAsync(kid, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The caller has gone: not an error of the service, so not an error in its log.
            context.Fail("The request was aborted while the signing keys were being refreshed.");
        }
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        // Handled here so the 401 carries a problem+json detail, as every other error does.
        context.HandleResponse();
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;

        string detail;
        if (context.AuthenticateFailure is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            detail = "This endpoint needs 'Authorization: Bearer <Firebase ID token>'.";
        }
        else
        {
            // Only the service's own fixed sentences: a token's fields are never echoed, and a header must stay ASCII.
            var reason = Reason(context.AuthenticateFailure);
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"{reason}\"";
            detail = $"The bearer token is not a valid Firebase ID token for this service. {reason}";
        }

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
        else if (string.IsNullOrWhiteSpace(token.Subject) || token.Subject.Length > User.MaxIdLength || !ClaimText.IsClean(token.Subject))
        {
            context.Fail($"The token's sub must be a non-empty uid of at most {User.MaxIdLength} characters, without control characters.");
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
            context.Principal = Slim(context.Principal, context.Scheme.Name, token.ValidTo);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Keeps only the claims the service reads. A hub connection holds its principal for as long as it is open,
    /// and the default one also holds the validated token with its parsed payload. The expiry is written from the
    /// validated token, in whole seconds, so that reading it back cannot fail.
    /// </summary>
    private static ClaimsPrincipal Slim(ClaimsPrincipal? principal, string authenticationType, DateTime expires)
    {
        var claims = new List<Claim>(4);
        foreach (var type in (ReadOnlySpan<string>)[FirebaseClaimTypes.Subject, FirebaseClaimTypes.Name, FirebaseClaimTypes.Email])
        {
            if (principal?.FindFirst(type)?.Value is { } value)
            {
                claims.Add(new Claim(type, value));
            }
        }

        var seconds = new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)).ToUnixTimeSeconds();
        claims.Add(new Claim(FirebaseClaimTypes.Expires, seconds.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));

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

    /// <summary>
    /// The reason a token was refused, as a fixed sentence per kind of failure: the framework's own descriptions
    /// quote the token's iss and aud.
    /// </summary>
    private static string Reason(Exception failure) => failure switch
    {
        AuthenticationFailureException own => own.Message,
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet (nbf).",
        SecurityTokenNoExpirationException => "The token has no exp.",
        SecurityTokenInvalidLifetimeException => "The token's iat is missing or in the future.",
        SecurityTokenInvalidIssuerException => "The token's iss is not this project's issuer.",
        SecurityTokenInvalidAudienceException => "The token's aud is not this project.",
        SecurityTokenSignatureKeyNotFoundException => "The token's kid names no current signing key.",
        SecurityTokenInvalidSignatureException => "The token's signature is invalid.",
        _ => "The token could not be validated.",
    };

    /// <summary>
    /// Reads the kid of a token; false unless it is a signed compact JWT the token handler can read, or, when
    /// <paramref name="acceptsUnsigned"/> (the Firebase Auth emulator), an unsigned one whose alg is <c>none</c>.
    /// </summary>
    private static bool TryReadKeyId(string token, bool acceptsUnsigned, out string? kid, out bool signed)
    {
        kid = null;
        signed = token.Length > 0 && token[^1] != '.';
        if (token.Length > TokenValidationParameters.DefaultMaximumTokenSizeInBytes
            || !IsCompactJwt(signed ? token : token.AsSpan(0, token.Length - 1), signed ? 3 : 2)
            || (!signed && !acceptsUnsigned))
        {
            return false;
        }

        try
        {
            var parsed = new JsonWebToken(token);
            kid = parsed.Kid;
            return signed || parsed.Alg == SecurityAlgorithms.None;
        }
        catch (Exception)
        {
            // The parser documents no exception types; whichever it throws, the token is unreadable.
            return false;
        }
    }

    /// <summary>
    /// <paramref name="count"/> non-empty base64url parts: a Firebase ID token is never encrypted (five parts),
    /// and only the emulator's lacks the third (the signature).
    /// </summary>
    private static bool IsCompactJwt(ReadOnlySpan<char> token, int count)
    {
        var parts = 0;
        foreach (var range in token.Split('.'))
        {
            var part = token[range];
            if (++parts > count || part.IsEmpty || part.Length % 4 == 1 || part.ContainsAnyExcept(_base64UrlAlphabet))
            {
                return false;
            }
        }

        return parts == count;
    }
}
