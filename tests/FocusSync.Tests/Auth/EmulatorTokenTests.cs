using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FocusSync.Api.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Tests.Auth;

/// <summary>
/// The service trusting the Firebase Auth emulator (<c>FIREBASE_AUTH_EMULATOR_HOST</c>, outside Production), with
/// tokens shaped like the emulator's (<c>alg: none</c>, no kid, no signature): the signature is the only check
/// it drops. No emulator is needed; the service never calls it. Tokens from a real emulator: FirebaseEmulatorSignInTests.
/// </summary>
public sealed class EmulatorTokenTests : IAsyncLifetime
{
    private const string EmulatorHost = "127.0.0.1:9";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 30, 0, 30, 0, TimeSpan.Zero));
    private readonly TestTokens _tokens;
    private FocusSyncApp _app = null!;

    public EmulatorTokenTests()
    {
        _tokens = new TestTokens(_time);
    }

    public async ValueTask InitializeAsync() => _app = await WhoAmIProbe.StartAsync(EmulatorConfiguration(), _time);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AnUnsignedTokenIsAcceptedWhileTheServiceTrustsTheEmulator()
    {
        using var response = await _app.GetWhoAmIAsync(Unsigned(sub: "emulated-uid"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("emulated-uid", me?.Uid);
    }

    [Theory]
    [InlineData("other audience", "The token's aud is not this project.")]
    [InlineData("other issuer", "The token's iss is not this project's issuer.")]
    [InlineData("expired", "The token has expired.")]
    [InlineData("no exp", "The token has no exp.")]
    [InlineData("no iat", "The token's iat is missing or in the future.")]
    [InlineData("iat in the future", "The token's iat is missing or in the future.")]
    [InlineData("no auth_time", "The token has no auth_time.")]
    [InlineData("auth_time in the future", "The token's auth_time is in the future.")]
    [InlineData("empty sub", "The token's sub must be a non-empty uid")]
    [InlineData("no sub", "The token's sub must be a non-empty uid")]
    [InlineData("control character in sub", "The token's sub must be a non-empty uid")]
    [InlineData("signature part with alg none", "The token's kid names no current signing key.")]
    [InlineData("no signature with alg RS256", "The token is not a signed compact JWT")]
    public async Task AnUnsignedTokenFailingAnyOtherCheckIsRefusedWhileTheServiceTrustsTheEmulator(string fault, string reason)
    {
        var now = _time.GetUtcNow();
        var token = fault switch
        {
            "other audience" => Unsigned(payload: p => p["aud"] = "another-project"),
            "other issuer" => Unsigned(payload: p => p["iss"] = "https://securetoken.google.com/another-project"),
            "expired" => Unsigned(payload: p => p["exp"] = now.AddMinutes(-2).ToUnixTimeSeconds()),
            "no exp" => Unsigned(payload: p => p.Remove("exp")),
            "no iat" => Unsigned(payload: p => p.Remove("iat")),
            "iat in the future" => Unsigned(payload: p => p["iat"] = now.AddMinutes(5).ToUnixTimeSeconds()),
            "no auth_time" => Unsigned(payload: p => p.Remove("auth_time")),
            "auth_time in the future" => Unsigned(payload: p => p["auth_time"] = now.AddMinutes(5).ToUnixTimeSeconds()),
            "empty sub" => Unsigned(sub: ""),
            "no sub" => Unsigned(payload: p => p.Remove("sub")),
            "control character in sub" => Unsigned(sub: "uid\n2"),
            "signature part with alg none" => Unsigned() + "c2ln",
            _ => _tokens.Mint(header: h => h["alg"] = "RS256", signature: TokenSignature.None),
        };

        using var response = await _app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(problem?.Detail?.Contains(reason, StringComparison.Ordinal) == true, problem?.Detail);
    }

    [Fact]
    public async Task AnUnsignedTokenStopsWorkingOnceTheServerClockPassesItsExpiry()
    {
        var token = Unsigned();
        using (var fresh = await _app.GetWhoAmIAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        _time.Advance(TimeSpan.FromHours(1) + AuthExtensions.ClockSkew + TimeSpan.FromSeconds(1));

        using var expired = await _app.GetWhoAmIAsync(token);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Theory]
    [InlineData(TokenSignature.Tampered)]
    [InlineData(TokenSignature.OtherKey)]
    public async Task ASignedTokenIsStillCheckedAgainstTheSigningKeysWhileTheServiceTrustsTheEmulator(TokenSignature signature)
    {
        using (var valid = await _app.GetWhoAmIAsync(_tokens.Mint()))
        {
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        }

        using var forged = await _app.GetWhoAmIAsync(_tokens.Mint(signature: signature));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        using var hs256 = await _app.GetWhoAmIAsync(_tokens.MintHs256WithPublicKeyAsSecret());
        Assert.Equal(HttpStatusCode.Unauthorized, hs256.StatusCode);
    }

    [Fact]
    public async Task TheHubAcceptsAnUnsignedTokenFromTheQueryStringWhileTheServiceTrustsTheEmulator()
    {
        using var client = _app.AnonymousClient();

        using var response = await client.GetAsync(
            WhoAmIProbe.HubWhoAmIPath + "?access_token=" + Uri.EscapeDataString(Unsigned(sub: "hub-uid")), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("hub-uid", me?.Uid);
    }

    [Fact]
    public async Task WithoutTheEmulatorHostAnUnsignedTokenIsRefusedBeforeItIsRead()
    {
        await using var app = await WhoAmIProbe.StartAsync(_tokens.FirebaseConfiguration(), _time);

        using var response = await app.GetWhoAmIAsync(Unsigned());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("The token is not a signed compact JWT", problem?.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InDevelopmentModeTheEmulatorHostMakesNoUnsignedTokenValid()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Development",
            [AuthStartupGuard.EmulatorHostVariable] = EmulatorHost,
        };
        await using var app = await WhoAmIProbe.StartAsync(configuration, _time);
        var project = FirebaseAuthOptions.DevelopmentProjectId;
        var token = Unsigned(payload: p =>
        {
            p["aud"] = project;
            p["iss"] = $"https://securetoken.google.com/{project}";
        });

        using var response = await app.GetWhoAmIAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("Staging")]
    [InlineData("Development")]
    public async Task TheEmulatorIsTrustedInEveryEnvironmentButProduction(string environment)
    {
        await using var app = await WhoAmIProbe.StartAsync(EmulatorConfiguration(), _time, environment: environment);

        using var response = await app.GetWhoAmIAsync(Unsigned());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(EmulatorHost, app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Firebase.EmulatorHost);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9099")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:9099/auth")]
    [InlineData("user@127.0.0.1:9099")]
    [InlineData("127.0.0.1:port")]
    public async Task AnEmulatorHostThatIsNotHostAndPortStopsTheStartNamingTheVariable(string value)
    {
        var configuration = EmulatorConfiguration();
        configuration[AuthStartupGuard.EmulatorHostVariable] = value;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WhoAmIProbe.StartAsync(configuration, _time));

        Assert.Contains(AuthStartupGuard.EmulatorHostVariable, error.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> EmulatorConfiguration()
    {
        var configuration = _tokens.FirebaseConfiguration();
        configuration[AuthStartupGuard.EmulatorHostVariable] = EmulatorHost;
        return configuration;
    }

    /// <summary>A token as the emulator issues them: <c>alg: none</c>, no kid, an empty signature.</summary>
    private string Unsigned(string sub = "user-1", Action<JsonObject>? payload = null) =>
        _tokens.Mint(sub, payload, header: h => h.Remove("kid"), signature: TokenSignature.None);
}
