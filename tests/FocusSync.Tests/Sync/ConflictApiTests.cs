using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Sync;

/// <summary>
/// Conflicts are detected, not guessed (SPEC section 7): a command built on another version of the session than the
/// current one is a 412 that carries the current session; without a base version a command applies as it always did.
/// Bad instants and versions are 400s naming the field.
/// </summary>
public sealed class ConflictApiTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStaleDevicesPauseIsA412CarryingTheCurrentSessionAndLeavesTheNewRunRunning(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var laptop = app.ClientFor(uid);
        using var phone = app.ClientFor(uid);
        var id = await laptop.CreateSessionIdAsync();
        var seen = (await laptop.ActAsync(id, "start")).Version;
        await laptop.ActAsync(id, "pause");
        await laptop.ActAsync(id, "start");

        var refused = await Assert.ThrowsAsync<FocusSyncConflictException>(() => phone.ActAsync(id, "pause", new ActionTiming(BaseVersion: seen)));

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.Status);
        var current = refused.Current!;
        Assert.Equal(("RUNNING", seen + 2), (current.State, current.Version));
        Assert.Equal(current, (await laptop.GetSessionAsync(id)));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnActionOnTheCurrentVersionApplies(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var version = (await client.ActAsync(id, "start")).Version;

        var paused = await client.ActAsync(id, "pause", new ActionTiming(BaseVersion: version));

        Assert.Equal(("PAUSED", version + 1), (paused.State, paused.Version));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task IfMatchOnAnActionIsHonouredLikeABaseVersion(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{id}/actions/start") { Headers = { { "If-Match", "\"7\"" } } };
        var problem = await client.SendAsync(stale, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        using var current = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{id}/actions/start") { Headers = { { "If-Match", "\"1\"" } } };
        var started = await client.SendAsync(current, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, problem.GetProperty("session").Version());
        Assert.Equal("RUNNING", started.Str("state"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStaleDeleteIsA412AndTheSessionStays(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        await client.ActAsync(id, "start");

        var problem = await client.DeleteAsync($"/sessions/{id}?baseVersion=1", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/sessions/{id}") { Headers = { { "If-Match", "\"1\"" } } };
        await client.SendAsync(request, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);

        Assert.Equal(2, problem.GetProperty("session").Version());
        Assert.Equal("RUNNING", (await client.GetSessionAsync(id)).State);
        await client.DeleteAsync($"/sessions/{id}?baseVersion=2", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.NoContent);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStaleEditIsA412CarryingTheCurrentSession(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        await client.PatchJsonAsync($"/sessions/{id}", new { title = "first" }).ExpectAsync(HttpStatusCode.OK);

        var byBody = await client.PatchJsonAsync($"/sessions/{id}", new { title = "second", baseVersion = 1 })
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/sessions/{id}")
        {
            Content = JsonContent.Create(new { title = "second" }),
            Headers = { { "If-Match", "\"1\"" } },
        };
        var byHeader = await client.SendAsync(request, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.PreconditionFailed);

        Assert.All(new[] { byBody, byHeader }, p => Assert.Equal(("first", 2), (p.GetProperty("session").Str("title"), p.GetProperty("session").Version())));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WithoutABaseVersionAnActionOnAChangedSessionAppliesAsAlways(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        var paused = await client.ActAsync(id, "pause");
        var again = await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/pause", "{}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal((1, 1), (paused.Version, again.Version()));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnActionWithABodyOfNoBytesAtAllIsAnActionNow(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{id}/actions/start")
        {
            Content = new StreamContent(new MemoryStream()),
        };
        request.Headers.TransferEncodingChunked = true;

        var started = await client.SendAsync(request, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(app.NowMs(), started.AppliedAtMs());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ResetAllTakesNoBaseVersion(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.SendJsonAsync(HttpMethod.Post, "/sessions/actions/reset-all", """{"baseVersion":1}""").ExpectInvalidAsync("baseVersion");
    }

    public static TheoryData<Db, string, string> BadTimings => Databases.Each(
    [
        ("""{"at":"soon"}""", "at"),
        ("""{"at":1.5}""", "at"),
        ("""{"at":1e30}""", "at"),
        ("""{"at":-1}""", "at"),
        ("""{"at":253402300800000}""", "at"),
        ("""{"at":null}""", "at"),
        ("""{"baseVersion":"3"}""", "baseVersion"),
        ("""{"baseVersion":2.5}""", "baseVersion"),
        ("""{"baseVersion":0}""", "baseVersion"),
        ("""{"baseVersion":99999999999}""", "baseVersion"),
    ]);

    [Theory]
    [MemberData(nameof(BadTimings))]
    public async Task AnInstantOrVersionThatIsNotAWholeNumberInRangeIsA400NamingIt(Db db, string body, string field)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var edit = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(body)!;
        edit["title"] = JsonSerializer.SerializeToElement("t");

        await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/start", body).ExpectInvalidAsync(field);
        await client.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", JsonSerializer.Serialize(edit)).ExpectInvalidAsync(field);

        Assert.Equal(1, (await client.GetSessionAsync(id)).Version);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACreationWithAnInstantThatIsNotAWholeNumberIsA400NamingIt(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.SendJsonAsync(HttpMethod.Post, "/sessions", """{"title":"t","noGoal":true,"at":"now"}""").ExpectInvalidAsync("at");

        Assert.Empty((await client.ListAsync()).Sessions);
    }

    [Theory]
    [InlineData(Db.Sqlite, "at=soon", "at")]
    [InlineData(Db.Sqlite, "at=NaN", "at")]
    [InlineData(Db.Sqlite, "at=1.5", "at")]
    [InlineData(Db.Sqlite, "at=1&at=2", "at")]
    [InlineData(Db.Sqlite, "at=99999999999999999999", "at")]
    [InlineData(Db.Sqlite, "baseVersion=x", "baseVersion")]
    [InlineData(Db.Sqlite, "version=1", "version")]
    [InlineData(Db.Postgres, "at=NaN", "at")]
    [InlineData(Db.Postgres, "baseVersion=0", "baseVersion")]
    public async Task ADeleteWithABadInstantOrVersionInItsQueryIsA400NamingItAndDeletesNothing(Db db, string query, string field)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        await client.DeleteAsync($"/sessions/{id}?{query}", TestContext.Current.CancellationToken).ExpectInvalidAsync(field);

        Assert.Single((await client.ListAsync()).Sessions);
    }
}
