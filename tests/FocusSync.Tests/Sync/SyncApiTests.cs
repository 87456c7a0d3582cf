using System.Net;
using System.Text.Json;
using FocusSync.Client;
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
            Op(OperationKind.Create, body: new { title = "new", noGoal = true }),
            Op(OperationKind.Start, id, baseVersion: 1),
            Op(OperationKind.Edit, id, body: new { title = "renamed" }),
            Op(OperationKind.ResetAll),
            Op(OperationKind.Delete, id));

        var results = batch.Results;
        Assert.Equal([201, 200, 200, 200, 204], results.Select(r => r.Status));
        Assert.All(results, r => Assert.Equal(now, r.AppliedAtMs));
        Assert.Equal("new", results[0].Session!.Title);
        Assert.Equal(("RUNNING", 2), (results[1].Session!.State, results[1].Session!.Version));
        Assert.Equal("renamed", results[2].Session!.Title);
        Assert.Equal(2, results[3].Sessions!.Count);
        Assert.Null(results[4].Session);
        Assert.Equal(seq + 5, batch.Seq);
        Assert.Equal(now, batch.ServerTimeMs);
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
        var other = await client.CreateSessionIdAsync(NewSession.Stopwatch("other"));
        await client.ActAsync(id, "start");

        var batch = await client.SyncAsync(
            Op(OperationKind.Pause, id),
            Op(OperationKind.Start, id, baseVersion: 1),
            Op(OperationKind.Edit, other, body: new { dailyGoalMinutes = 5 }),
            Op(OperationKind.Start, 987_654),
            Op(OperationKind.Start, other));

        var results = batch.Results;
        Assert.Equal([200, 412, 400, 404, 200], results.Select(r => r.Status));
        Assert.Equal(3, results[1].Problem!.Session!.Version);
        Assert.True(results[2].Problem!.Errors!.ContainsKey("dailyGoalMinutes"));
        Assert.Equal(404, results[3].Problem!.Status);
        Assert.Equal("RUNNING", (await client.GetSessionAsync(other)).State);
        Assert.Equal("PAUSED", (await client.GetSessionAsync(id)).State);
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

        await client.PostSyncAsync([.. Enumerable.Range(0, 101).Select(i => Op(OperationKind.Create, body: new { title = $"s{i}", noGoal = true }))])
            .ExpectInvalidAsync("operations");

        Assert.Empty((await client.ListAsync()).Sessions);
        var hundred = await client.SyncAsync([.. Enumerable.Range(0, 100).Select(i => Op(OperationKind.Create, body: new { title = $"s{i}", noGoal = true }))]);
        Assert.All(hundred.Results, r => Assert.Equal(201, r.Status));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnEmptyBatchChangesNothingAndSaysWhereTheUserIs(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.CreateSessionIdAsync();

        var batch = await client.SyncAsync();

        Assert.Empty(batch.Results);
        Assert.Equal(await client.SeqAsync(), batch.Seq);
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

        var five = await client.SyncAsync([.. Enumerable.Range(0, 5).Select(i => Op(OperationKind.Create, body: new { title = $"a{i}", noGoal = true }))]);
        using var refused = await client.PostSyncAsync([.. Enumerable.Range(0, 8).Select(i => Op(OperationKind.Create, body: new { title = $"b{i}", noGoal = true }))]);
        var problem = await ApiClient.AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);

        Assert.Equal(5, five.Results.Count);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "no Retry-After");
        Assert.Contains("Nothing was applied", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(5, (await client.ListAsync()).Sessions.Count);
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
            Op(OperationKind.Start, id, at: Ms(now.AddMinutes(2))),
            Op(OperationKind.Create, body: new { title = "second", noGoal = true }, at: Ms(now.AddMinutes(3))),
            Op(OperationKind.Edit, id, body: new { title = "renamed" }, at: Ms(now.AddMinutes(4)), baseVersion: 2));

        var pushed = await hub.NextAsync(3);
        var read = (await two.GetAsync(UserClient.ChangesPath(before), TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).Events();
        Assert.Equal(pushed.Select(e => e.GetRawText()), read.Select(e => e.GetRawText()));
        Assert.Equal(
            [Ms(now.AddMinutes(2)), Ms(now.AddMinutes(3)), Ms(now.AddMinutes(4))],
            read.Select(e => e.AppliedAtMs()));
        var list = await two.ListAsync();
        Assert.Equal(batch.Seq, list.Seq);
        var sessions = list.Sessions.ToDictionary(s => s.Id);
        Assert.Equal(("renamed", "RUNNING", 3), (sessions[id].Title, sessions[id].State, sessions[id].Version));
        Assert.Equal(
            batch.Results[1].Session! with { AppliedAtMs = null },
            sessions[batch.Results[1].Session!.Id]);
    }

    private static string First(JsonElement type) =>
        type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().First(t => t.GetString() != "null").GetString()! : type.GetString()!;
}
