using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using FocusSync.Api.Data;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FocusSync.Api.Auth;

/// <summary>
/// Development sign-in: signs tokens shaped like Firebase ID tokens with a key generated at start,
/// which <see cref="FirebaseSigningKeys"/> trusts only in Development mode.
/// </summary>
public sealed class DevTokenIssuer(IOptions<AuthOptions> options, TimeProvider timeProvider)
{
    public const string KeyId = "focussync-dev";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private static readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly Lazy<RsaSecurityKey> _key = new(() => new RsaSecurityKey(CreateKey(options.Value.DevelopmentSigningKey)) { KeyId = KeyId });

    internal SecurityKey SigningKey => _key.Value;

    public DevTokenResponse Issue(string uid, string? name, string? email)
    {
        var firebase = options.Value.Firebase;
        var now = DateTimeOffset.FromUnixTimeSeconds(timeProvider.GetUtcNow().ToUnixTimeSeconds());
        var expires = now + Lifetime;

        var claims = new Dictionary<string, object>
        {
            ["sub"] = uid,
            ["user_id"] = uid,
            ["auth_time"] = now.ToUnixTimeSeconds(),
            ["firebase"] = new Dictionary<string, object>
            {
                ["identities"] = new Dictionary<string, object>(),
                ["sign_in_provider"] = "custom",
            },
        };
        if (!string.IsNullOrEmpty(name))
        {
            claims["name"] = name;
        }

        if (!string.IsNullOrEmpty(email))
        {
            claims["email"] = email;
            claims["email_verified"] = false;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = firebase.Issuer,
            Audience = firebase.ProjectId,
            IssuedAt = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(_key.Value, SecurityAlgorithms.RsaSha256),
        });

        return new DevTokenResponse(token, expires.ToUnixTimeMilliseconds());
    }

    /// <summary>Whether <paramref name="pem"/> holds an RSA private key, as <c>Auth:DevelopmentSigningKey</c> must.</summary>
    internal static bool IsRsaPrivateKeyPem(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            rsa.ExportParameters(includePrivateParameters: true);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    private static RSA CreateKey(string? pem)
    {
        var rsa = RSA.Create(2048);
        if (!string.IsNullOrWhiteSpace(pem))
        {
            rsa.ImportFromPem(pem);
        }

        return rsa;
    }
}

public sealed record DevTokenRequest(
    [Required, Length(1, User.MaxIdLength)] string Uid,
    [Length(0, User.MaxNameLength)] string? Name,
    [Length(0, User.MaxEmailLength)] string? Email) : IValidatableObject
{
    /// <summary>A token's subject is compared as sent, so it holds no control character, not even a tab or line break.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ClaimText.IsClean(Uid))
        {
            yield return new ValidationResult("'uid' must not contain control characters.", [nameof(Uid)]);
        }
    }
}

public sealed record DevTokenResponse(string Token, long ExpiresAtMs);
