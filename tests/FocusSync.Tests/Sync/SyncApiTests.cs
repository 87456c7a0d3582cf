using System.Net;
using System.Text.Json;
using FocusSync.Tests.Feed;
using FocusSync.Tests.Infrastructure;
using static FocusSync.Tests.Sync.SyncKit;

namespace FocusSync.Tests.Sync;

/// <summary>POST /sync replays a client's queue in one request, each operation its own change, in order (SPEC section 7).</summary>
public sealed class SyncApiTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ABatchAppliesEachOperationInOrderAndAnswersAsItsEndpointWould(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync();
        var seq = await client.SeqAsync();
        await using var hub = await app.ConnectHubAsync(uid);
        var now = app.NowMs();

        var batch = await client.SyncAsync(
            Op("create", body: new { title = "new", noGoal = true }),
            Op("start", id, baseVersion: 1),
            Op("edit", id, body: new { title = "renamed" }),
            Op("resetAll"),
            Op("delete", id));

        var results = batch.Results();
        Assert.Equal([201, 200, 200, 200, 204], results.Select(r => r.Status()));
        Assert.All(results, r => Assert.Equal(now, r.AppliedAtMs()));
        Assert.Equal("new", results[0].GetProperty("session").Str("title"));
        Assert.Equal(("RUNNING", 2), (results[1].GetProperty("session").Str("state"), results[1].GetProperty("session").Version()));
        Assert.Equal("renamed", results[2].GetProperty("session").Str("title"));
        Assert.Equal(2, results[3].GetProperty("sessions").GetArrayLength());
        Assert.False(results[4].TryGetProperty("session", out _));
        Assert.Equal(seq + 5, batch.GetProperty("seq").GetInt64());
        Assert.Equal(now, batch.GetProperty("serverTimeMs").GetInt64());
        var events = await hub.NextAsync(5);
        Assert.Equal(["addSession", "start", "editSession", "resetAll", "deleteSession"], events.Select(e => e.Type()));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => seq + i), events.Select(e => e.Seq()));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ABatchWhoseSecondOperationIsRefusedStillAppliesTheThird(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var other = await client.CreateSessionIdAsync(new { title = "other", noGoal = true });
        await client.ActAsync(id, "start");

        var batch = await client.SyncAsync(
            Op("pause", id),
            Op("start", id, baseVersion: 1),
            Op("edit", other, body: new { dailyGoalMinutes = 5 }),
            Op("start", 987_654),
            Op("start", other));

        var results = batch.Results();
        Assert.Equal([200, 412, 400, 404, 200], results.Select(r => r.Status()));
        Assert.Equal(3, results[1].GetProperty("problem").GetProperty("session").Version());
        Assert.True(results[2].GetProperty("problem").GetProperty("errors").TryGetProperty("dailyGoalMinutes", out _));
        Assert.Equal(404, results[3].GetProperty("problem").GetProperty("status").GetInt32());
        Assert.Equal("RUNNING", (await client.GetSessionAsync(other)).Str("state"));
        Assert.Equal("PAUSED", (await client.GetSessionAsync(id)).Str("state"));
    }

    public static TheoryData<Db, string, string> Malformed => Databases.Each(
    [
        ("""{"operations":[{"idempotencyKey":"a","kind":"start","sessionId":1},{"idempotencyKey":"b","kind":"jump","sessionId":1}]}""", "operations[1].kind"),
        ("""{"operations":[{"kind":"start","sessionId":1}]}""", "operations[0].idempotencyKey"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"pause"}]}""", "operations[0].sessionId"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"resetAll","sessionId":1}]}""", "operations[0].sessionId"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"resetAll","baseVersion":1}]}""", "operations[0].baseVersion"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"start","sessionId":1,"body":{}}]}""", "operations[0].body"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"create"}]}""", "operations[0].body"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"create","body":{"title":"","noGoal":true}}]}""", "operations[0].body.title"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"create","body":{"title":"t","noGoal":true,"at":5}}]}""", "operations[0].body.at"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"edit","sessionId":1,"body":{"colour":"red"}}]}""", "operations[0].body.colour"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"start","sessionId":1,"at":"later"}]}""", "operations[0].at"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"start","sessionId":1,"baseVersion":1.5}]}""", "operations[0].baseVersion"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"start","sessionId":-4}]}""", "operations[0].sessionId"),
        ("""{"operations":[{"idempotencyKey":"a","kind":"start","sessionId":1,"extra":1}]}""", "operations[0].extra"),
        ("""{"operations":[7]}""", "operations[0]"),
        ("""{"operations":{}}""", "operations"),
        ("""{}""", "operations"),
    ]);

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AMalformedBatchIsA400NamingTheOperationAndFieldAndAppliesNothing(Db db, string body, string field)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var seq = await client.SeqAsync();

        await client.SendJsonAsync(HttpMethod.Post, "/sync", body).ExpectInvalidAsync(field);

        Assert.Equal(seq, await client.SeqAsync());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task MoreThanAHundredOperationsIsA400NamingOperationsAndAppliesNone(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.PostSyncAsync([.. Enumerable.Range(0, 101).Select(i => Op("create", body: new { title = $"s{i}", noGoal = true }))])
            .ExpectInvalidAsync("operations");

        Assert.Empty((await client.ListAsync()).Sessions());
        var hundred = await client.SyncAsync([.. Enumerable.Range(0, 100).Select(i => Op("create", body: new { title = $"s{i}", noGoal = true }))]);
        Assert.All(hundred.Results(), r => Assert.Equal(201, r.Status()));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnEmptyBatchChangesNothingAndSaysWhereTheUserIs(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.CreateSessionIdAsync();

        var batch = await client.SyncAsync();

        Assert.Empty(batch.Results());
        Assert.Equal(await client.SeqAsync(), batch.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesSyncAndTheInstantAndVersionOfEveryCommand()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.CreateClient();

        var document = await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var operations = schemas.GetProperty("SyncRequest").GetProperty("properties").GetProperty("operations");
        Assert.Equal(100, operations.GetProperty("maxItems").GetInt32());
        var operation = schemas.GetProperty("SyncOperation").GetProperty("properties");
        Assert.Equal(7, operation.GetProperty("kind").GetProperty("enum").GetArrayLength());
        Assert.Equal("object", First(operation.GetProperty("body").GetProperty("type")));
        foreach (var record in new[] { "ActionRequest", "CreateSessionRequest", "EditSessionRequest", "SyncOperation" })
        {
            var at = schemas.GetProperty(record).GetProperty("properties").GetProperty("at");
            Assert.Equal(("integer", 253402300799999), (First(at.GetProperty("type")), at.GetProperty("maximum").GetInt64()));
        }

        Assert.True(schemas.GetProperty("ActionRequest").GetProperty("properties").TryGetProperty("baseVersion", out _));
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/sync").TryGetProperty("post", out _));
        var pause = paths.GetProperty("/sessions/{id}/actions/pause").GetProperty("post");
        Assert.False(pause.GetProperty("requestBody").TryGetProperty("required", out var required) && required.GetBoolean());
        var delete = paths.GetProperty("/sessions/{id}").GetProperty("delete").GetProperty("parameters").EnumerateArray();
        Assert.Contains(delete, p => p.Str("name") == "at" && p.Str("in") == "query");
        Assert.Contains(delete, p => p.Str("name") == "baseVersion" && p.Str("in") == "query");
        Assert.Contains(pause.GetProperty("parameters").EnumerateArray(), p => p.Str("name") == "Idempotency-Key");
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ABatchTakesARateLimitPermitPerOperationUpFrontAllOrNothing(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "1",
            ["RateLimits:Burst"] = "10",
        });
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var five = await client.SyncAsync([.. Enumerable.Range(0, 5).Select(i => Op("create", body: new { title = $"a{i}", noGoal = true }))]);
        using var refused = await client.PostSyncAsync([.. Enumerable.Range(0, 8).Select(i => Op("create", body: new { title = $"b{i}", noGoal = true }))]);
        var problem = await ApiClient.AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);

        Assert.Equal(5, five.Results().Length);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "no Retry-After");
        Assert.Contains("Nothing was applied", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(5, (await client.ListAsync()).Sessions().Length);
    }

    /// <summary>
    /// Two instances on one database: a batch of timed operations sent to one is read back from the other, each
    /// operation committed and its seq moved once, and the other instance's change feed holds exactly the events the
    /// first instance's hub pushed, instants included.
    /// </summary>
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ABatchOnOneInstanceIsWhatTheOtherInstanceReads(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var now = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
        await using var first = FocusSyncApp.Start(database, now);
        await using var second = FocusSyncApp.Start(database, now);
        var uid = FocusSyncApp.NewUserId();
        using var one = first.ClientFor(uid);
        using var two = second.ClientFor(uid);
        var id = await two.CreateSessionIdAsync();
        var before = await two.SeqAsync();
        await using var hub = await first.ConnectHubAsync(uid);
        first.Clock.Advance(TimeSpan.FromMinutes(5));
        second.Clock.Advance(TimeSpan.FromMinutes(5));

        var batch = await one.SyncAsync(
            Op("start", id, at: Ms(now.AddMinutes(2))),
            Op("create", body: new { title = "second", noGoal = true }, at: Ms(now.AddMinutes(3))),
            Op("edit", id, body: new { title = "renamed" }, at: Ms(now.AddMinutes(4)), baseVersion: 2));

        var pushed = await hub.NextAsync(3);
        var read = await two.ReadChangesAsync(before);
        Assert.Equal(pushed.Select(e => e.GetRawText()), read.Events().Select(e => e.GetRawText()));
        Assert.Equal(
            [Ms(now.AddMinutes(2)), Ms(now.AddMinutes(3)), Ms(now.AddMinutes(4))],
            read.Events().Select(e => e.GetProperty("appliedAtMs").GetInt64()));
        var list = await two.ListAsync();
        Assert.Equal(batch.GetProperty("seq").GetInt64(), list.GetProperty("seq").GetInt64());
        var sessions = list.Sessions().ToDictionary(s => s.Id());
        Assert.Equal(("renamed", "RUNNING", 3), (sessions[id].Str("title"), sessions[id].Str("state"), sessions[id].Version()));
        Assert.Equal(
            batch.Results()[1].GetProperty("session").AsRead(),
            sessions[batch.Results()[1].GetProperty("session").Id()].GetRawText());
    }

    private static string First(JsonElement type) =>
        type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().First(t => t.GetString() != "null").GetString()! : type.GetString()!;
}
