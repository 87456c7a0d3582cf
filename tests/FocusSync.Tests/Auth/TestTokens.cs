using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FocusSync.Tests.Auth;

public enum TokenSignature
{
    /// <summary>RS256 with this minter's key.</summary>
    Valid,

    /// <summary><c>alg: none</c> and an empty signature.</summary>
    None,

    /// <summary>Signed, then the payload is changed so the signature no longer matches.</summary>
    Tampered,

    /// <summary>RS256 with a different RSA key, under this minter's kid.</summary>
    OtherKey,
}

/// <summary>
/// Mints tokens shaped like Firebase ID tokens with its own RSA key, which the app trusts through
/// <c>Auth:Firebase:SigningKeys:&lt;kid&gt;</c>, so tests exercise the real signature check.
/// </summary>
public sealed class TestTokens
{
    public const string DefaultProjectId = "focussync-test";
    public const string DefaultKeyId = "test-key-1";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly TimeProvider _timeProvider;

    public TestTokens(TimeProvider? timeProvider = null, string projectId = DefaultProjectId, string keyId = DefaultKeyId)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
        ProjectId = projectId;
        KeyId = keyId;
    }

    public string ProjectId { get; }

    public string KeyId { get; }

    public string Issuer => $"https://securetoken.google.com/{ProjectId}";

    public string PublicKeyPem => _rsa.ExportSubjectPublicKeyInfoPem();

    /// <summary>A self-signed certificate for the key, as Google publishes its keys.</summary>
    public string CertificatePem()
    {
        var request = new CertificateRequest("CN=securetoken.system.gserviceaccount.com", _rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = _timeProvider.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        return certificate.ExportCertificatePem();
    }

    /// <summary>Configuration for an app in Firebase mode that trusts this minter's key.</summary>
    public Dictionary<string, string?> FirebaseConfiguration() => new()
    {
        ["Auth:Mode"] = "Firebase",
        ["Auth:Firebase:ProjectId"] = ProjectId,
        [$"Auth:Firebase:SigningKeys:{KeyId}"] = PublicKeyPem,
    };

    /// <summary>
    /// A token with iss, aud, sub, iat, exp (1 h), auth_time, name and email as of the clock's now;
    /// <paramref name="payload"/> and <paramref name="header"/> may change or remove anything.
    /// </summary>
    public string Mint(
        string sub = "user-1",
        Action<JsonObject>? payload = null,
        Action<JsonObject>? header = null,
        TokenSignature signature = TokenSignature.Valid)
    {
        var now = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["aud"] = ProjectId,
            ["auth_time"] = now,
            ["user_id"] = sub,
            ["sub"] = sub,
            ["iat"] = now,
            ["exp"] = now + 3600,
            ["name"] = "Test User",
            ["email"] = "test@example.com",
        };
        payload?.Invoke(claims);

        var head = new JsonObject
        {
            ["alg"] = signature == TokenSignature.None ? "none" : "RS256",
            ["kid"] = KeyId,
            ["typ"] = "JWT",
        };
        header?.Invoke(head);

        var signingInput = $"{Encode(head)}.{Encode(claims)}";
        var signatureBytes = signature switch
        {
            TokenSignature.None => [],
            TokenSignature.OtherKey => SignWithNewKey(signingInput),
            _ => _rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        };

        if (signature == TokenSignature.Tampered)
        {
            claims["sub"] = "someone-else";
            signingInput = $"{Encode(head)}.{Encode(claims)}";
        }

        return $"{signingInput}.{Base64Url.EncodeToString(signatureBytes)}";
    }

    /// <summary>A token over exactly these header and payload bytes, RS256-signed with this minter's key.</summary>
    public string SignRaw(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        var signingInput = $"{Base64Url.EncodeToString(header)}.{Base64Url.EncodeToString(payload)}";
        var signature = _rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>The RS256 header this minter signs with, as JSON bytes.</summary>
    public byte[] HeaderBytes() => Encoding.UTF8.GetBytes($$"""{"alg":"RS256","kid":"{{KeyId}}","typ":"JWT"}""");

    /// <summary>A token signed HS256 with the public key PEM as the secret (the algorithm-confusion attack).</summary>
    public string MintHs256WithPublicKeyAsSecret(string sub = "user-1")
    {
        var token = Mint(sub, header: h => h["alg"] = "HS256");
        var signingInput = token[..token.LastIndexOf('.')];
        var mac = HMACSHA256.HashData(Encoding.ASCII.GetBytes(PublicKeyPem), Encoding.ASCII.GetBytes(signingInput));
        return $"{signingInput}.{Base64Url.EncodeToString(mac)}";
    }

    /// <summary>The header and payload of a token, decoded without any check.</summary>
    public static (JsonObject Header, JsonObject Payload) Decode(string token)
    {
        var parts = token.Split('.');
        return (Parse(parts[0]), Parse(parts[1]));

        static JsonObject Parse(string part) => JsonNode.Parse(Base64Url.DecodeFromChars(part))!.AsObject();
    }

    private static string Encode(JsonObject json) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString(JsonSerializerOptions.Default)));

    private static byte[] SignWithNewKey(string signingInput)
    {
        using var other = RSA.Create(2048);
        return other.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}
