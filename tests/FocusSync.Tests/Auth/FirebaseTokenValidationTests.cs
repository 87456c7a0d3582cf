using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Tests.Auth;

public sealed class FirebaseTokenValidationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 30, 0, 30, 0, TimeSpan.Zero));
    private readonly TestTokens _tokens;
    private AuthTestApp _app = null!;

    public FirebaseTokenValidationTests()
    {
        _tokens = new TestTokens(_time);
    }

    public async Task InitializeAsync() => _app = await AuthTestApp.StartAsync(_tokens.FirebaseConfiguration(), _time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AValidFirebaseTokenAuthenticatesAsItsSub()
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint("uid-42"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>();
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

        var me = await response.Content.ReadFromJsonAsync<WhoAmI>();
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
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Contains("Authorization: Bearer", problem?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvalidTokenIsAProblemSayingWhy()
    {
        using var response = await _app.GetWhoAmIAsync(_tokens.Mint(payload: p => p.Remove("auth_time")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>();
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

        using var response = await _app.Client.GetAsync($"{AuthTestApp.HubWhoAmIPath}?access_token={token}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>();
        Assert.Equal("hub-user", me?.Uid);
    }

    [Fact]
    public async Task OtherPathsIgnoreATokenInTheQueryString()
    {
        var token = _tokens.Mint();

        using var response = await _app.Client.GetAsync($"{AuthTestApp.WhoAmIPath}?access_token={token}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
