using System.Net;
using FocusSync.Api.Feed;
using FocusSync.Api.Http;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FocusSync.Tests.Feed;

/// <summary>The feed keeps events for Changes:Retention; a background sweep deletes older ones, and reading past them is a 410.</summary>
public sealed class ChangeFeedRetentionTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EventsPastTheRetentionArePrunedBatchByBatchAndReadingFromThemIsGone(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new Dictionary<string, string?>
        {
            ["Changes:Retention"] = "01:00:00",
            ["Changes:PruneInterval"] = "1.00:00:00",
            ["Changes:PruneBatchSize"] = "2",
        });
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        using var other = app.ClientFor(FocusSyncApp.NewUserId());
        for (var i = 0; i < 3; i++)
        {
            await client.CreateGroupIdAsync($"old {i}");
            await other.CreateGroupIdAsync($"old {i}");
        }

        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await client.CreateGroupIdAsync("recent");
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        Assert.Equal(4, (await client.ReadChangesAsync(0)).Events.Count);
        var deleted = await Pruner(app).PruneAsync(CancellationToken.None);

        Assert.Equal(6, deleted);
        Assert.Equal([4L], await app.StoredSeqsAsync(uid));
        var gone = await client.GetChangesAsync(0).ExpectProblemAsync(HttpStatusCode.Gone);
        Assert.Equal(4, gone.PageSeq());
        await client.GetChangesAsync(2).ExpectProblemAsync(HttpStatusCode.Gone);
        var kept = await client.ReadChangesAsync(3);
        Assert.Equal("recent", Assert.Single(kept.Events).Group!.Name);
        Assert.Empty((await other.ReadChangesAsync(3)).Events);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheBackgroundSweepDeletesOldEventsAsTheClockMoves(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new Dictionary<string, string?>
        {
            ["Changes:Retention"] = "01:00:00",
            ["Changes:PruneInterval"] = "00:10:00",
        });
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        await client.CreateGroupIdAsync();

        // The sweep sleeps on the service's clock: move it a sweep interval at a time until the event is gone.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await app.StoredSeqsAsync(uid)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the old event was never pruned");
            app.Clock.Advance(TimeSpan.FromMinutes(10));
            await Task.Yield();
        }

        Assert.True(app.Clock.GetUtcNow() >= new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero), "pruned before the retention passed");
        await client.GetChangesAsync(0).ExpectProblemAsync(HttpStatusCode.Gone);
        Assert.Empty((await client.ReadChangesAsync(1)).Events);
    }

    [Theory]
    [InlineData("Changes:Retention", "00:00:30")]
    [InlineData("Changes:Retention", "3651.00:00:00")]
    [InlineData("Changes:PruneInterval", "00:00:00")]
    [InlineData("Changes:PruneInterval", "2.00:00:00")]
    [InlineData("Changes:PruneBatchSize", "0")]
    public async Task AChangesSettingOutOfRangeStopsTheStartNamingIt(string key, string value)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddClock();
        builder.AddChangeFeed();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static ChangeFeedPruner Pruner(FocusSyncApp app) =>
        app.Services.GetServices<IHostedService>().OfType<ChangeFeedPruner>().Single();
}
