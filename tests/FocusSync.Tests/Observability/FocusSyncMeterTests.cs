using System.Net;
using System.Net.Http.Json;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace FocusSync.Tests.Observability;

[Collection(nameof(TelemetryCollection))]
public sealed class FocusSyncMeterTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EachSyncOperationIsCountedByWhatItDid(Db db)
    {
        var telemetry = new Telemetry();
        await using var app = await telemetry.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await user.CreateSessionIdAsync();

        await user.PostAsJsonAsync("/sync", new
        {
            operations = new object[]
            {
                new { idempotencyKey = "a", kind = "pause", sessionId = id },
                new { idempotencyKey = "b", kind = "start", sessionId = id },
                new { idempotencyKey = "c", kind = "pause", sessionId = id, baseVersion = 1 },
                new { idempotencyKey = "d", kind = "start", sessionId = id + 1000 },
            },
        }, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(
            (1, 1, 1, 1),
            (telemetry.Sum("focussync.sync.operations", ("result", "no-op")), telemetry.Sum("focussync.sync.operations", ("result", "applied")),
                telemetry.Sum("focussync.sync.operations", ("result", "conflict")), telemetry.Sum("focussync.sync.operations", ("result", "refused"))));
        Assert.Equal(
            (1, 1, 1, 1),
            (telemetry.Sum("focussync.actions", ("kind", "pause"), ("result", "no-op")), telemetry.Sum("focussync.actions", ("kind", "start"), ("result", "applied")),
                telemetry.Sum("focussync.actions", ("kind", "pause"), ("result", "conflict")), telemetry.Sum("focussync.actions", ("kind", "start"), ("result", "refused"))));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AReadOfTheChangeFeedIsServedOrGone(Db db)
    {
        var telemetry = new Telemetry();
        await using var app = await telemetry.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        await user.CreateSessionIdAsync();

        await user.ReadChangesAsync(0);
        await user.GetAsync("/changes?since=99", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.Gone);

        Assert.Equal((1, 1), (telemetry.Sum("focussync.changes.reads", ("result", "served")), telemetry.Sum("focussync.changes.reads", ("result", "gone"))));
    }

    [Fact]
    public async Task HubConnectionsAreGaugedAndAConnectionOverTheCapIsCountedAsRefused()
    {
        var telemetry = new Telemetry();
        await using var app = await telemetry.StartAsync(Db.Sqlite, new AppOptions { Settings = new Dictionary<string, string?> { ["Realtime:MaxConnectionsPerUser"] = "1" } });
        var uid = FocusSyncApp.NewUserId();
        var first = await app.ConnectHubAsync(uid);

        await using var second = await app.ConnectHubAsync(uid);

        var refusal = await second.Closed.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Contains("Too many connections", refusal?.Message, StringComparison.Ordinal);

        Assert.Equal(1, Gauge(telemetry));
        Assert.Equal(1, telemetry.Sum("focussync.hub.refused", ("reason", "connections_per_user")));
        await first.DisposeAsync();
        Assert.Equal(HubConnectionState.Disconnected, first.Connection.State);
        Assert.True(await Eventually(() => Gauge(telemetry) == 0), "the gauge still counts the closed connection");
    }

    private static long Gauge(Telemetry telemetry) =>
        telemetry.Metrics()["focussync.hub.connections"].MetricPoints.Single().GetGaugeLastValueLong();

    private static async Task<bool> Eventually(Func<bool> condition)
    {
        for (var tries = 0; tries < 250; tries++)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return false;
    }
}
