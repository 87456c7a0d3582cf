using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Time.Testing;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Auth;

public sealed class FirebaseTokenValidationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 30, 0, 30, 0, TimeSpan.Zero));
    private readonly TestTokens _tokens;
    private FocusSyncApp _app = null!;

    public FirebaseTokenValidationTests()
    {
        _tokens = new TestTokens(_time);
    }

    public async ValueTask InitializeAsync() => _app = await WhoAmIProbe.StartAsync(_tokens.FirebaseConfiguration(), _time);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AValidFirebaseTokenAuthenticatesAsItsSub()
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint("uid-42"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotNull(me);
        Assert.Equal("uid-42", me.Uid);
        Assert.Equal("uid-42", me.IdentityName);
        Assert.Equal("Test User", me.Name);
        Assert.Equal("test@example.com", me.Email);
    }

    [Fact]
    public async Task ClaimsKeepTheirJwtNames()
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint());

        var me = await response.Content.ReadFromJsonAsync<WhoAmI>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotNull(me);
        Assert.Contains("sub", me.ClaimTypes);
        Assert.Contains("email", me.ClaimTypes);
        Assert.DoesNotContain(me.ClaimTypes, t => t.StartsWith("http://", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARequestWithoutATokenIsUnauthorized()
    {
        using var response = await _app.GetWhoAmIAsync(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AMissingTokenIsAProblemSayingATokenIsNeeded()
    {
        using var response = await _app.GetWhoAmIAsync(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("Authorization: Bearer", problem?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvalidTokenIsAProblemSayingWhy()
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint(payload: p => p.Remove("auth_time")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("auth_time", problem?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredTokenIsRejected()
    {
        var token = _tokens.Mint(payload: p =>
        {
            p["iat"] = _time.GetUtcNow().AddHours(-2).ToUnixTimeSeconds();
            p["auth_time"] = _time.GetUtcNow().AddHours(-2).ToUnixTimeSeconds();
            p["exp"] = _time.GetUtcNow().AddMinutes(-2).ToUnixTimeSeconds();
        });

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", response.Headers.WwwAuthenticate.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ATokenExpiredWithinTheClockSkewIsStillAccepted()
    {
        var token = _tokens.Mint(payload: p => p["exp"] = _time.GetUtcNow().AddSeconds(-30).ToUnixTimeSeconds());

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ATokenStopsWorkingOnceTheServerClockPassesItsExpiry()
    {
        var token = _tokens.Mint();
        using (var fresh = await _app.GetWhoAmIAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(2));
        using var stale = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
    }

    [Fact]
    public async Task ATokenIssuedInTheFutureIsRejected()
    {
        var token = _tokens.Mint(payload: p => p["iat"] = _time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds());

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("iat")]
    [InlineData("auth_time")]
    [InlineData("sub")]
    public async Task ATokenMissingARequiredClaimIsRejected(string claim)
    {
        var token = _tokens.Mint(payload: p => p.Remove(claim));

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ATokenWhoseSignInIsInTheFutureIsRejected()
    {
        var token = _tokens.Mint(payload: p => p["auth_time"] = _time.GetUtcNow().AddMinutes(5).ToUnixTimeSeconds());

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ATokenForAnotherFirebaseProjectIsRejected()
    {
        var token = _tokens.Mint(payload: p => p["aud"] = "another-project");

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ATokenFromAnotherIssuerIsRejected()
    {
        var token = _tokens.Mint(payload: p => p["iss"] = "https://securetoken.google.com/another-project");

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task ATokenWithAnEmptySubIsRejected(string sub)
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint(sub));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("user\u0000one")]
    [InlineData("user\u0001")]
    [InlineData("\u007fuser")]
    [InlineData("user\u009f")]
    public async Task ATokenWithAControlCharacterInItsSubIsRejected(string sub)
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint(sub));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("iss", "https://securetoken.google.com/\u00fcber-projekt")]
    [InlineData("iss", "https://evil.example/\"quoted\"")]
    [InlineData("aud", "\u30d7\u30ed\u30b8\u30a7\u30af\u30c8")]
    [InlineData("aud", "evil-project, error=\"none\"")]
    public async Task ARejectedTokensClaimsAreNeverEchoedInTheChallengeOrTheProblem(string claim, string value)
    {
        var token = _tokens.Mint(payload: p => p[claim] = value);

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = string.Join(", ", response.Headers.GetValues("WWW-Authenticate"));
        Assert.True(System.Text.Ascii.IsValid(challenge), challenge);
        Assert.StartsWith("Bearer error=\"invalid_token\", error_description=\"", challenge, StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken: TestContext.Current.CancellationToken);
        foreach (var echoed in new[] { challenge, problem?.Detail ?? "" })
        {
            Assert.DoesNotContain(value, echoed, StringComparison.Ordinal);
            Assert.DoesNotContain("evil", echoed, StringComparison.Ordinal);
            Assert.DoesNotContain("projekt", echoed, StringComparison.Ordinal);
        }

        Assert.Contains(claim, problem?.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired", "The token has expired.")]
    [InlineData("nbf in the future", "The token is not valid yet (nbf).")]
    [InlineData("no exp", "The token has no exp.")]
    [InlineData("iat in the future", "The token's iat is missing or in the future.")]
    [InlineData("other issuer", "The token's iss is not this project's issuer.")]
    [InlineData("other audience", "The token's aud is not this project.")]
    [InlineData("HS256", "The token's signature is invalid.")]
    [InlineData("unknown kid", "The token's kid names no current signing key.")]
    [InlineData("tampered", "The token's signature is invalid.")]
    [InlineData("unsigned", "The token is not a signed compact JWT")]
    [InlineData("encrypted", "The token is not a signed compact JWT")]
    [InlineData("no auth_time", "The token has no auth_time.")]
    [InlineData("long sub", "The token's sub must be a non-empty uid of at most 128 characters")]
    public async Task EachRejectionSaysWhyInAFixedSentence(string fault, string reason)
    {
        var now = _time.GetUtcNow();
        var token = fault switch
        {
            "expired" => _tokens.Mint(payload: p => p["exp"] = now.AddMinutes(-2).ToUnixTimeSeconds()),
            "nbf in the future" => _tokens.Mint(payload: p => p["nbf"] = now.AddMinutes(5).ToUnixTimeSeconds()),
            "no exp" => _tokens.Mint(payload: p => p.Remove("exp")),
            "iat in the future" => _tokens.Mint(payload: p => p["iat"] = now.AddMinutes(5).ToUnixTimeSeconds()),
            "other issuer" => _tokens.Mint(payload: p => p["iss"] = "https://securetoken.google.com/another-project"),
            "other audience" => _tokens.Mint(payload: p => p["aud"] = "another-project"),
            "HS256" => _tokens.MintHs256WithPublicKeyAsSecret(),
            "unknown kid" => _tokens.Mint(header: h => h["kid"] = "not-a-published-key"),
            "tampered" => _tokens.Mint(signature: TokenSignature.Tampered),
            "unsigned" => _tokens.Mint(signature: TokenSignature.None),
            "encrypted" => "e30.a.b.c.d",
            "no auth_time" => _tokens.Mint(payload: p => p.Remove("auth_time")),
            _ => _tokens.Mint(new string('u', 129)),
        };

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.Headers.WwwAuthenticate.ToString().Contains(reason, StringComparison.Ordinal), response.Headers.WwwAuthenticate.ToString());
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(reason, problem?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenWithASubLongerThan128CharactersIsRejected()
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint(new string('u', 129)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(TokenSignature.None)]
    [InlineData(TokenSignature.Tampered)]
    [InlineData(TokenSignature.OtherKey)]
    public async Task ATokenWithoutAValidSignatureIsRejected(TokenSignature signature)
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint(signature: signature));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AnUnsignedTokenWithoutAKidIsRejected()
    {
        var token = _tokens.Mint(header: h => h.Remove("kid"), signature: TokenSignature.None);

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ATokenSignedWithHs256UsingThePublicKeyIsRejected()
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.MintHs256WithPublicKeyAsSecret());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ATokenWithAnUnknownKidIsRejected()
    {
        var token = _tokens.Mint(header: h => h["kid"] = "not-a-published-key");

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ATokenWithoutAKidIsRejected()
    {
        var token = _tokens.Mint(header: h => h.Remove("kid"));

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task HubPathsAcceptTheTokenFromTheQueryString()
    {
        var token = _tokens.Mint("hub-user");

        using var client = _app.AnonymousClient();
        using var response = await client.GetAsync($"{WhoAmIProbe.HubWhoAmIPath}?access_token={token}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("hub-user", me?.Uid);
    }

    [Fact]
    public async Task OtherPathsIgnoreATokenInTheQueryString()
    {
        var token = _tokens.Mint();

        using var client = _app.AnonymousClient();
        using var response = await client.GetAsync($"{WhoAmIProbe.WhoAmIPath}?access_token={token}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
