using System.Net;
using System.Net.Http.Json;
using FocusSync.Tests.Infrastructure;
using static FocusSync.Tests.Sync.SyncKit;

namespace FocusSync.Tests.Sync;

/// <summary>
/// Every session command honours an idempotency key, on its endpoint (the Idempotency-Key header) and in /sync, in
/// one key space: a replay of the same request returns the first result and changes nothing.
/// </summary>
public sealed class IdempotencyApiTests(Apps apps) : IClassFixture<Apps>
{
    private const string Key = "Idempotency-Key";

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnActionRetriedWithItsKeyReturnsTheFirstResultAndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var first = await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/start", "{}", h => h.Add(Key, "start-1"))
            .ExpectAsync(HttpStatusCode.OK);
        await client.ActAsync(id, "pause");
        var seq = await client.SeqAsync();

        var retry = await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/start", "{ }", h => h.Add(Key, "start-1"))
            .ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(first.GetRawText(), retry.GetRawText());
        Assert.Equal("PAUSED", (await client.GetSessionAsync(id)).Str("state"));
        Assert.Equal(seq, await client.SeqAsync());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADeleteRetriedWithItsKeyIs204AgainNotA404(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        foreach (var _ in Enumerable.Range(0, 2))
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/sessions/{id}") { Headers = { { Key, "delete-1" } } };
            await client.SendAsync(request, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.NoContent);
        }

        await client.DeleteAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ARefusalIsTheFirstResultTooAndARetryGetsItAgain(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        await client.ActAsync(id, "start");

        var first = await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/pause", """{"baseVersion":1}""", h => h.Add(Key, "stale"))
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        await client.ActAsync(id, "pause");
        var retry = await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/pause", """{"baseVersion":1}""", h => h.Add(Key, "stale"))
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed);

        Assert.Equal(first.GetProperty("session").GetRawText(), retry.GetProperty("session").GetRawText());
        Assert.Equal(first.Str("detail"), retry.Str("detail"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheSameKeyForAnotherRequestIsA422(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var a = await client.CreateSessionIdAsync();
        var b = await client.CreateSessionIdAsync();
        await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{a}/actions/start", "{}", h => h.Add(Key, "k")).ExpectAsync(HttpStatusCode.OK);

        await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{b}/actions/start", "{}", h => h.Add(Key, "k"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);
        await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{a}/actions/pause", "{}", h => h.Add(Key, "k"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);
        await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{a}/actions/start", """{"at":1}""", h => h.Add(Key, "k"))
            .ExpectProblemAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("PAUSED", (await client.GetSessionAsync(b)).Str("state"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnActionSentAloneThenReplayedInABatchWithItsKeyIsNotAppliedTwice(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var at = app.NowMs();
        var alone = await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/start", $$"""{"at":{{at}},"baseVersion":1}""",
            h => h.Add(Key, "queued-1")).ExpectAsync(HttpStatusCode.OK);
        await client.ActAsync(id, "pause");
        var seq = await client.SeqAsync();

        var batch = await client.SyncAsync(Op("start", id, at: at, baseVersion: 1, key: "queued-1"));

        var result = Assert.Single(batch.Results());
        Assert.Equal(200, result.Status());
        Assert.Equal(alone.GetRawText(), result.GetProperty("session").GetRawText());
        Assert.Equal(seq, batch.GetProperty("seq").GetInt64());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACreationInABatchReplayedAloneWithItsKeyReturnsTheSameSession(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var at = app.NowMs();
        var batch = await client.SyncAsync(Op("create", body: new { title = "once", noGoal = true }, at: at, key: "create-1"));

        var alone = await client.SendJsonAsync(HttpMethod.Post, "/sessions", $$"""{"noGoal":true,"at":{{at}},"title":"once"}""",
            h => h.Add(Key, "create-1")).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(batch.Results()[0].GetProperty("session").GetRawText(), alone.GetRawText());
        Assert.Single((await client.ListAsync()).Sessions());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ReplayingAWholeBatchChangesNothingAndAnswersAlike(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync();
        var now = app.NowMs();
        object[] operations =
        [
            Op("start", id, at: now),
            Op("create", body: new { title = "new", initialDuration = 60, dailyGoalMinutes = 1 }, at: now),
            Op("pause", id, at: now),
            Op("pause", 999_999, at: now),
            Op("resetAll", at: now),
            Op("delete", id, at: now),
        ];
        var first = await client.SyncAsync(operations);
        var state = (await client.ListAsync()).GetRawText();

        var replay = await client.SyncAsync(operations);

        Assert.Equal(first.GetProperty("results").GetRawText(), replay.GetProperty("results").GetRawText());
        Assert.Equal(first.GetProperty("seq").GetInt64(), replay.GetProperty("seq").GetInt64());
        Assert.Equal(state, (await client.ListAsync()).GetRawText());
        Assert.Equal(6, await app.IdempotencyRecordsAsync(uid));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentRetriesOfANoOpActionWithOneKeyAllGetTheOneResult(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/pause", "{}", h => h.Add(Key, "pause-once")).ExpectAsync(HttpStatusCode.OK)));

        Assert.Single(answers.Select(a => a.GetRawText()).Distinct());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AMalformedKeyOnAnActionIsA400NamingTheHeader(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/start", "{}", h => h.Add(Key, new string('k', 201)))
            .ExpectInvalidAsync(Key);
        await client.PostAsJsonAsync("/sync", new { operations = new[] { Op("start", id, key: "ключ") } }, cancellationToken: TestContext.Current.CancellationToken)
            .ExpectInvalidAsync("operations[0].idempotencyKey");

        Assert.Equal("PAUSED", (await client.GetSessionAsync(id)).Str("state"));
    }
}
