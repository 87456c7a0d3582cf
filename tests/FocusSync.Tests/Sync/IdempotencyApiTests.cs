using System.Net;
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

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnActionRetriedWithItsKeyReturnsTheFirstResultAndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var first = await client.Api.StartAsync(id, idempotencyKey: "start-1", cancellationToken: Ct);
        await client.ActAsync(id, "pause");
        var seq = await client.SeqAsync();

        var retry = await client.Api.StartAsync(id, idempotencyKey: "start-1", cancellationToken: Ct);

        Assert.Equal(first, retry);
        Assert.Equal("PAUSED", (await client.GetSessionAsync(id)).State);
        Assert.Equal(seq, await client.SeqAsync());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADeleteRetriedWithItsKeySucceedsAgainWhereADeleteWithoutItFindsNoSession(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        await client.Api.DeleteSessionAsync(id, idempotencyKey: "delete-1", cancellationToken: Ct);
        await client.Api.DeleteSessionAsync(id, idempotencyKey: "delete-1", cancellationToken: Ct);

        await Assert.ThrowsAsync<FocusSyncNotFoundException>(() => client.DeleteSessionAsync(id));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ARefusalIsTheFirstResultTooAndARetryGetsItAgain(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        await client.ActAsync(id, "start");

        var first = await Assert.ThrowsAsync<FocusSyncConflictException>(
            () => client.Api.PauseAsync(id, new ActionTiming(BaseVersion: 1), "stale", Ct));
        await client.ActAsync(id, "pause");
        var retry = await Assert.ThrowsAsync<FocusSyncConflictException>(
            () => client.Api.PauseAsync(id, new ActionTiming(BaseVersion: 1), "stale", Ct));

        Assert.Equal("RUNNING", first.Current!.State);
        Assert.Equal(first.Current, retry.Current);
        Assert.Equal(first.Detail, retry.Detail);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheSameKeyForAnotherRequestIsA422(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var a = await client.CreateSessionIdAsync();
        var b = await client.CreateSessionIdAsync();
        await client.Api.StartAsync(a, idempotencyKey: "k", cancellationToken: Ct);

        await RefusedAsReusedAsync(() => client.Api.StartAsync(b, idempotencyKey: "k", cancellationToken: Ct));
        await RefusedAsReusedAsync(() => client.Api.PauseAsync(a, idempotencyKey: "k", cancellationToken: Ct));
        await RefusedAsReusedAsync(() => client.Api.StartAsync(a, new ActionTiming(At: 1), "k", Ct));

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
        var alone = await client.Api.StartAsync(id, new ActionTiming(at, 1), "queued-1", Ct);
        await client.ActAsync(id, "pause");
        var seq = await client.SeqAsync();

        var batch = await client.SyncAsync(Op(OperationKind.Start, id, at: at, baseVersion: 1, key: "queued-1"));

        var result = Assert.Single(batch.Results);
        Assert.Equal(200, result.Status);
        Assert.Equal(alone, result.Session);
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

        var alone = await client.Api.CreateSessionAsync(NewSession.Stopwatch("once"), "create-1", at, Ct);

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
            client.Api.PauseAsync(id, idempotencyKey: "pause-once", cancellationToken: Ct)));

        Assert.Single(answers.Distinct());
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

    private static async Task RefusedAsReusedAsync(Func<Task> send)
    {
        var refused = await Assert.ThrowsAsync<FocusSyncValidationException>(send);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
    }
}
