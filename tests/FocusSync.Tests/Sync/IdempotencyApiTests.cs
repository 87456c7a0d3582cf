using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Client;
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
        Assert.Equal("PAUSED", (await client.GetSessionAsync(id)).State);
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

        Assert.Equal("PAUSED", (await client.GetSessionAsync(b)).State);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnActionSentAloneThenReplayedInABatchWithItsKeyIsNotAppliedTwice(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var at = app.NowMs();
        // The library sends no Idempotency-Key with an action: the action alone is sent raw.
        var alone = await client.SendJsonAsync(HttpMethod.Post, $"/sessions/{id}/actions/start", $$"""{"at":{{at}},"baseVersion":1}""",
            h => h.Add(Key, "queued-1")).ExpectAsync(HttpStatusCode.OK);
        await client.ActAsync(id, "pause");
        var seq = await client.SeqAsync();

        var batch = await client.SyncAsync(Op(OperationKind.Start, id, at: at, baseVersion: 1, key: "queued-1"));

        var result = Assert.Single(batch.Results);
        Assert.Equal(200, result.Status);
        Assert.Equal(alone.Deserialize<Session>(JsonSerializerOptions.Web), result.Session);
        Assert.Equal(seq, batch.Seq);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACreationInABatchReplayedAloneWithItsKeyReturnsTheSameSession(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var at = app.NowMs();
        var batch = await client.SyncAsync(Op(OperationKind.Create, body: new { title = "once", noGoal = true }, at: at, key: "create-1"));

        var alone = await client.Api.CreateSessionAsync(NewSession.Stopwatch("once"), "create-1", at, TestContext.Current.CancellationToken);

        Assert.Equal(batch.Results[0].Session, alone);
        Assert.Single((await client.ListAsync()).Sessions);
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
        SyncOperation[] operations =
        [
            Op(OperationKind.Start, id, at: now),
            Op(OperationKind.Create, body: new { title = "new", initialDuration = 60, dailyGoalMinutes = 1 }, at: now),
            Op(OperationKind.Pause, id, at: now),
            Op(OperationKind.Pause, 999_999, at: now),
            Op(OperationKind.ResetAll, at: now),
            Op(OperationKind.Delete, id, at: now),
        ];
        var first = await client.SyncAsync(operations);
        var state = (await client.ListAsync());

        var replay = await client.SyncAsync(operations);

        Assert.Equal(first.Results.ToJson(), replay.Results.ToJson());
        Assert.Equal(first.Seq, replay.Seq);
        Assert.Equal(state.ToJson(), (await client.ListAsync()).ToJson());
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
        await client.PostSyncAsync(Op(OperationKind.Start, id, key: "ключ"))
            .ExpectInvalidAsync("operations[0].idempotencyKey");

        Assert.Equal("PAUSED", (await client.GetSessionAsync(id)).State);
    }
}
