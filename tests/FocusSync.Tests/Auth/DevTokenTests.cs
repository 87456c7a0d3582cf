using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FocusSync.Api.Auth;
using FocusSync.Client;
using Microsoft.Extensions.Time.Testing;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Auth;

public sealed class DevTokenTests
{
    private static readonly Dictionary<string, string?> _developmentMode = new() { ["Auth:Mode"] = "Development" };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 10, 26, 1, 15, 0, TimeSpan.Zero));

    [Fact]
    public async Task DevelopmentSignInIssuesATokenTheServerAccepts()
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        var issued = await IssueAsync(app, new { uid = "dev-user", name = "Dev", email = "dev@example.com" });
        using var response = await app.GetWhoAmIAsync(issued.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<WhoAmI>(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(new[] { "dev-user", "Dev", "dev@example.com" }, new[] { me?.Uid, me?.Name, me?.Email });
    }

    [Fact]
    public async Task InstancesSharingTheDevelopmentSigningKeyAcceptEachOthersTokens()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var shared = new Dictionary<string, string?>(_developmentMode) { ["Auth:DevelopmentSigningKey"] = rsa.ExportRSAPrivateKeyPem() };
        await using var one = await WhoAmIProbe.StartAsync(shared, _time);
        await using var two = await WhoAmIProbe.StartAsync(shared, _time);
        await using var stranger = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        var issued = await IssueAsync(one, new { uid = "dev-user" });
        using var accepted = await two.GetWhoAmIAsync(issued.Token);
        using var refused = await stranger.GetWhoAmIAsync(issued.Token);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (accepted.StatusCode, refused.StatusCode));
    }

    [Fact]
    public async Task ADevelopmentTokenIsShapedLikeAFirebaseIdToken()
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        var issued = await IssueAsync(app, new { uid = "dev-user", name = "Dev", email = "dev@example.com" });

        var (header, payload) = TestTokens.Decode(issued.Token);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal("RS256", (string?)header["alg"]);
        Assert.Equal(DevTokenIssuer.KeyId, (string?)header["kid"]);
        Assert.Equal("https://securetoken.google.com/focussync-dev", (string?)payload["iss"]);
        Assert.Equal("focussync-dev", (string?)payload["aud"]);
        Assert.Equal("dev-user", (string?)payload["sub"]);
        Assert.Equal(now, (long?)payload["iat"]);
        Assert.Equal(now, (long?)payload["auth_time"]);
        Assert.Equal(now + 3600, (long?)payload["exp"]);
        Assert.Null(payload["nbf"]);
        Assert.Equal((now + 3600) * 1000, issued.ExpiresAtMs);
    }

    [Fact]
    public async Task DevelopmentSignInUsesTheConfiguredProjectId()
    {
        var configuration = new Dictionary<string, string?>(_developmentMode) { ["Auth:Firebase:ProjectId"] = "my-project" };
        await using var app = await WhoAmIProbe.StartAsync(configuration, _time);

        var issued = await IssueAsync(app, new { uid = "dev-user" });

        var (_, payload) = TestTokens.Decode(issued.Token);
        Assert.Equal("my-project", (string?)payload["aud"]);
        using var response = await app.GetWhoAmIAsync(issued.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ADevelopmentTokenExpiresAfterAnHour()
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);
        var issued = await IssueAsync(app, new { uid = "dev-user" });

        _time.Advance(TimeSpan.FromMinutes(62));
        using var response = await app.GetWhoAmIAsync(issued.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task DevelopmentSignInWithoutAUidIsAValidationProblem(string? uid)
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        using var client = app.AnonymousClient();
        using var response = await client.PostAsJsonAsync("/dev/token", new { uid, name = "Dev" }, cancellationToken: TestContext.Current.CancellationToken);

        await AssertValidationProblemAsync(response, "uid");
    }

    [Theory]
    [InlineData("""{"uid":5}""", "uid")]
    [InlineData("""{"uid":"dev","name":["Dev"]}""", "name")]
    [InlineData("""{"uid":"dev","admin":true}""", "admin")]
    [InlineData("", "body")]
    [InlineData("[]", "body")]
    public async Task AnUnreadableDevelopmentSignInNamesTheFieldAtFault(string body, string field)
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        using var client = app.AnonymousClient();
        using var response = await client.PostAsync("/dev/token", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await AssertValidationProblemAsync(response, field);
    }

    [Fact]
    public async Task DevelopmentSignInWithAUidLongerThan128CharactersIsAValidationProblem()
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        using var client = app.AnonymousClient();
        using var response = await client.PostAsJsonAsync("/dev/token", new { uid = new string('u', 129) }, cancellationToken: TestContext.Current.CancellationToken);

        await AssertValidationProblemAsync(response, "uid");
    }

    [Theory]
    [InlineData("dev\u0000user")]
    [InlineData("dev\u001buser")]
    [InlineData("dev\u0085user")]
    public async Task DevelopmentSignInWithAControlCharacterInTheUidIsAValidationProblem(string uid)
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        using var client = app.AnonymousClient();
        using var response = await client.PostAsJsonAsync("/dev/token", new { uid }, cancellationToken: TestContext.Current.CancellationToken);

        await AssertValidationProblemAsync(response, "uid");
    }

    [Fact]
    public async Task DevelopmentSignInAcceptsAUidOf128Characters()
    {
        await using var app = await WhoAmIProbe.StartAsync(_developmentMode, _time);

        var issued = await IssueAsync(app, new { uid = new string('u', 128) });

        using var response = await app.GetWhoAmIAsync(issued.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DevelopmentSignInDoesNotExistInFirebaseMode()
    {
        var tokens = new TestTokens(_time);
        await using var app = await WhoAmIProbe.StartAsync(tokens.FirebaseConfiguration(), _time);

        using var client = app.AnonymousClient();
        using var response = await client.PostAsJsonAsync("/dev/token", new { uid = "dev-user" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ADevelopmentTokenIsRejectedByAServerInFirebaseMode()
    {
        await using var development = await WhoAmIProbe.StartAsync(
            new Dictionary<string, string?>(_developmentMode) { ["Auth:Firebase:ProjectId"] = TestTokens.DefaultProjectId },
            _time);
        var issued = await IssueAsync(development, new { uid = "dev-user" });
        await using var firebase = await WhoAmIProbe.StartAsync(new TestTokens(_time).FirebaseConfiguration(), _time);

        using var response = await firebase.GetWhoAmIAsync(issued.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task DevelopmentModeAlsoTrustsConfiguredSigningKeys()
    {
        var tokens = new TestTokens(_time, projectId: "focussync-dev");
        var configuration = new Dictionary<string, string?>(tokens.FirebaseConfiguration()) { ["Auth:Mode"] = "Development" };
        await using var app = await WhoAmIProbe.StartAsync(configuration, _time);

        using var response = await app.GetWhoAmIAsync(tokens.Mint("minted-user"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The README's walk-through: development sign-in, then the session lifecycle.</summary>
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DevelopmentSignInDrivesTheWholeLifecycle(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { SignIn = SignIn.Development });
        using var anonymous = app.CreateClient();

        var issued = await FocusSyncClient.IssueDevelopmentTokenAsync(anonymous, "readme-user", "Readme", "readme@example.com", TestContext.Current.CancellationToken);
        using var client = app.ClientFor("readme-user", issued.Token);

        var me = await client.LoginAsync();
        Assert.Equal("readme-user", me.Id);
        Assert.Equal("Readme", me.Name);
        Assert.Equal("readme@example.com", me.Email);
        var id = await client.CreateSessionIdAsync(new NewSession("Write the README", 1500, 120));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromMilliseconds(42_500));
        var paused = await client.ActAsync(id, "pause");

        Assert.Equal(42.5, paused.FocusSeconds);
        Assert.Equal(1500 - 42.5, paused.TimeLeft);
        Assert.Equal(42.5, (await client.ListAsync()).Sessions.Single().FocusSeconds);
    }

    private static async Task<DevTokenResponse> IssueAsync(FocusSyncApp app, object request)
    {
        using var client = app.AnonymousClient();
        using var response = await client.PostAsJsonAsync("/dev/token", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var issued = await response.Content.ReadFromJsonAsync<DevTokenResponse>();
        Assert.NotNull(issued);
        return issued;
    }

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }
}
