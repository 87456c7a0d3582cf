using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using FocusSync.Client;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Http;

public sealed class AccessApiTests(Apps apps) : IClassFixture<Apps>
{
    private static readonly (string Method, string Path)[] _protectedRoutes =
    [
        ("POST", "/me/login"),
        ("GET", "/me"),
        ("PATCH", "/me"),
        ("GET", "/sessions"),
        ("POST", "/sessions"),
        ("GET", "/sessions/{id}"),
        ("PATCH", "/sessions/{id}"),
        ("DELETE", "/sessions/{id}"),
        ("POST", "/sessions/{id}/actions/start"),
        ("POST", "/sessions/{id}/actions/pause"),
        ("POST", "/sessions/{id}/actions/reset"),
        ("POST", "/sessions/actions/reset-all"),
        ("GET", "/groups"),
        ("POST", "/groups"),
        ("PATCH", "/groups/{id}"),
        ("DELETE", "/groups/{id}"),
    ];

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task HealthIs200WithoutSignIn(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.CreateClient();

        await client.GetAsync("/health", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/analytics", "get", "period", "query")]
    [InlineData("/analytics", "get", "from", "query")]
    [InlineData("/analytics", "get", "to", "query")]
    [InlineData("/analytics", "get", "groupId", "query")]
    [InlineData("/sessions", "post", "Idempotency-Key", "header")]
    [InlineData("/sessions/{id}", "patch", "If-Match", "header")]
    public async Task TheOpenApiDocumentListsTheParametersAnEndpointReadsItself(string path, string method, string name, string location)
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.CreateClient();

        var document = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        var parameters = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("parameters").EnumerateArray();
        Assert.Contains(parameters, p => p.GetProperty("name").GetString() == name && p.GetProperty("in").GetString() == location);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EveryEndpointWithoutATokenIs401AndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var owner = app.ClientFor(FocusSyncApp.NewUserId());
        var groupId = await owner.CreateGroupIdAsync();
        var id = await owner.CreateSessionIdAsync();
        var before = await owner.GetSessionAsync(id);
        using var anonymous = app.CreateClient();

        foreach (var (method, path) in _protectedRoutes)
        {
            using var request = Request(method, path, id, groupId);
            await anonymous.SendAsync(request, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }

        Assert.Equal(before, (await owner.GetSessionAsync(id)));
        Assert.Single((await owner.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EveryEndpointWithABadTokenIs401(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.CreateClient();
        var uid = FocusSyncApp.NewUserId();
        var badTokens = new[]
        {
            app.Tokens.Mint(uid, signature: TokenSignature.Tampered),
            app.Tokens.Mint(uid, payload: p => p["exp"] = app.Clock.GetUtcNow().ToUnixTimeSeconds() - 3600),
            "not-a-jwt",
        };

        // One bad token per route keeps this under the anonymous rate limit (tokens that fail count as anonymous).
        foreach (var ((method, path), i) in _protectedRoutes.Select((route, i) => (route, i)))
        {
            using var request = Request(method, path, 1, 1);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", badTokens[i % badTokens.Length]);
            await client.SendAsync(request, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        }

        using var me = app.ClientFor(uid);
        Assert.Empty((await me.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnotherUsersObjectsAre404OnEveryRouteWithAnIdAndStayUnchanged(Db db)
    {
        var app = await apps.ForAsync(db);
        using var owner = app.ClientFor(FocusSyncApp.NewUserId());
        using var intruder = app.ClientFor(FocusSyncApp.NewUserId());
        var groupId = await owner.CreateGroupIdAsync("Owner's");
        var running = await owner.CreateSessionIdAsync(new NewSession("running", 3600, 60, groupId));
        await owner.ActAsync(running, "start");
        var paused = await owner.CreateSessionIdAsync(new NewSession("paused", 600, 10));
        await intruder.CreateSessionAsync();
        var ownerBefore = await owner.ListAsync();
        var groupsBefore = await owner.Api.GetGroupsAsync(TestContext.Current.CancellationToken);

        foreach (var id in new[] { running, paused })
        {
            await intruder.GetAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
            await intruder.PatchJsonAsync($"/sessions/{id}", new { title = "mine now" }).ExpectProblemAsync(HttpStatusCode.NotFound);
            await intruder.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", """{"title":"mine now"}""", h => h.IfMatch.ParseAdd("\"1\""))
                .ExpectProblemAsync(HttpStatusCode.NotFound);
            foreach (var action in new[] { "start", "pause", "reset" })
            {
                await intruder.PostAsync($"/sessions/{id}/actions/{action}", null, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
            }

            await intruder.DeleteAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
        }

        await intruder.PatchJsonAsync($"/groups/{groupId}", new { name = "mine now" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        await intruder.DeleteAsync($"/groups/{groupId}", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
        await intruder.ResetAllAsync();
        Assert.Single((await intruder.ListAsync()).Sessions);
        Assert.Empty(await intruder.Api.GetGroupsAsync(TestContext.Current.CancellationToken));

        Assert.Equal(ownerBefore.ToJson(), (await owner.ListAsync()).ToJson());
        Assert.Equal(groupsBefore.ToJson(), (await owner.Api.GetGroupsAsync(TestContext.Current.CancellationToken)).ToJson());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DevelopmentSignInDoesNotExistInFirebaseMode(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.CreateClient();

        using var response = await client.PostAsJsonAsync("/dev/token", new { uid = "x" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnUnknownRouteIsA404ProblemWithADetail(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        await client.PostAsync($"/sessions/{id}/actions/explode", null, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AWrongMethodIsA405ProblemWithADetail(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        await client.GetAsync($"/sessions/{id}/actions/start", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    private static HttpRequestMessage Request(string method, string path, long sessionId, long groupId)
    {
        var url = path.Replace("{id}", (path.StartsWith("/groups", StringComparison.Ordinal) ? groupId : sessionId).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method is "POST" or "PATCH")
        {
            request.Content = JsonContent.Create(new { title = "x", name = "x" });
        }

        return request;
    }
}
