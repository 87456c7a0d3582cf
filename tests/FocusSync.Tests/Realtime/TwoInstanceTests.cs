using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Api.Auth;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Realtime;

/// <summary>Two instances of the service on one PostgreSQL database and one Redis backplane.</summary>
public sealed class TwoInstanceTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AClientOnOneInstanceGetsTheEventOfAnActionOnTheOtherExactlyOnce()
    {
        await using var database = await PostgresWithRedisAsync();
        await using var first = Start(database);
        await using var second = Start(database);
        var uid = FocusSyncApp.NewUserId();
        await using var hub = await first.ConnectHubAsync(uid);
        using var client = second.ClientFor(uid);

        var created = await (await client.PostAsJsonAsync("/sessions", new { title = "Write", initialDuration = 600, dailyGoalMinutes = 30 }, cancellationToken: TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);
        await client.PostAsync($"/sessions/{created.GetProperty("id").GetInt64()}/actions/start", null, TestContext.Current.CancellationToken);

        Assert.Equal(["addSession", "start"], (await hub.NextAsync(2)).Select(e => e.Type()));
        Assert.False(await hub.WaitForEventAsync(Quiet), "an event arrived twice");
    }

    [Fact]
    public async Task BothDueWorkJobsCompleteAndResetEachDueSessionExactlyOnce()
    {
        await using var database = await PostgresWithRedisAsync();
        await using var first = Start(database);
        await using var second = Start(database);
        var uid = FocusSyncApp.NewUserId();
        await using var hubOne = await first.ConnectHubAsync(uid, tokenLifetime: HubClients.LongLivedTokens);
        await using var hubTwo = await second.ConnectHubAsync(uid, tokenLifetime: HubClients.LongLivedTokens);
        using var client = first.ClientFor(uid);
        var created = await (await client.PostAsJsonAsync("/sessions", new { title = "Write", initialDuration = 90, dailyGoalMinutes = 30 }, cancellationToken: TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);
        var id = created.GetProperty("id").GetInt64();
        await client.PostAsync($"/sessions/{id}/actions/start", null, TestContext.Current.CancellationToken);
        foreach (var hub in new[] { hubOne, hubTwo })
        {
            Assert.Equal(["addSession", "start"], (await hub.NextAsync(2)).Select(e => e.Type()));
        }

        await AdvanceUntilEventAsync(first, second, TimeSpan.FromSeconds(91), hubOne);
        var completions = await Task.WhenAll(hubOne.NextAsync(), hubTwo.NextAsync());
        Assert.All(completions, e => Assert.Equal("complete", e.Type()));
        Assert.Equal(completions[0].Seq(), completions[1].Seq());

        var midnight = new DateTimeOffset(2026, 6, 2, 0, 0, 0, TimeSpan.Zero);
        await AdvanceUntilEventAsync(first, second, midnight - first.Clock.GetUtcNow(), hubOne);
        var resets = await Task.WhenAll(hubOne.NextAsync(), hubTwo.NextAsync());
        Assert.All(resets, e => Assert.Equal("autoReset", e.Type()));
        Assert.Equal(completions[0].Seq() + 1, resets[0].Seq());

        Assert.False(await hubOne.WaitForEventAsync(Quiet), "instance one's client got a duplicate");
        Assert.False(await hubTwo.WaitForEventAsync(Quiet), "instance two's client got a duplicate");
        var list = await client.GetFromJsonAsync<JsonElement>("/sessions", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(completions[0].Seq() + 1, list.GetProperty("seq").GetInt64());
        var credited = await client.GetFromJsonAsync<JsonElement>("/analytics?period=daily&from=2026-06-01&to=2026-06-01", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(90.0, credited.GetProperty("buckets")[0].GetProperty("totalSeconds").GetDouble());
    }

    [Fact]
    public async Task AConnectionOnTheBackplaneClosesAtItsTokensExpiryAndReconnectsToHearTheOtherInstanceAgain()
    {
        await using var database = await PostgresWithRedisAsync();
        await using var first = Start(database);
        await using var second = Start(database);
        var uid = FocusSyncApp.NewUserId();
        await using var hub = await first.ConnectHubAsync(uid);
        using var client = second.ClientFor(uid);

        first.Clock.Advance(TimeSpan.FromHours(1) + AuthExtensions.ClockSkew);
        var closed = await hub.ReconnectedAfterExpiryAsync();
        await client.CreateGroupAsync("heard again");

        Assert.Contains(TokenExpiry.Reason, closed.Message, StringComparison.Ordinal);
        Assert.Equal("addGroup", (await hub.NextAsync()).Type());
    }

    private static Task<TestDatabase> PostgresWithRedisAsync()
    {
        TestServices.RequireRedis();
        return TestDatabase.CreateAsync(Db.Postgres);
    }

    /// <summary>One instance on the shared database and a backplane channel of this test's own.</summary>
    private static FocusSyncApp Start(TestDatabase database) =>
        FocusSyncApp.Start(database, Now, new Dictionary<string, string?>
        {
            ["Redis:Connection"] = TestServices.RequireRedis(),
            ["Redis:ChannelPrefix"] = "focussync-test-" + database.ConnectionString.GetHashCode(StringComparison.Ordinal),
        });

    /// <summary>Moves both instances' clocks together, then in 100 ms steps until the event arrives (at most 2 s of clock time).</summary>
    private static async Task AdvanceUntilEventAsync(FocusSyncApp one, FocusSyncApp two, TimeSpan by, HubClient watcher)
    {
        one.Clock.Advance(by);
        two.Clock.Advance(by);
        for (var step = 0; step < 20 && !await watcher.WaitForEventAsync(TimeSpan.FromMilliseconds(200)); step++)
        {
            one.Clock.Advance(TimeSpan.FromMilliseconds(100));
            two.Clock.Advance(TimeSpan.FromMilliseconds(100));
        }
    }
}
