using System.Net;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Session = FocusSync.Client.Session;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FocusSync.Tests.Data;

/// <summary>An Idempotency-Key binds its first response for Idempotency:Retention; then it is new again and its record is deleted.</summary>
public sealed class IdempotencyRetentionTests
{
    private static readonly NewSession First = new("first", 60, 1);
    private static readonly NewSession Second = new("second", 60, 1);

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AKeyPastItsRetentionIsNewAgainEvenBeforeItsRecordIsPruned(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new Dictionary<string, string?>
        {
            ["Idempotency:Retention"] = "01:00:00",
            ["Idempotency:PruneInterval"] = "1.00:00:00",
        });
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var key = Guid.NewGuid().ToString();
        var first = await CreateAsync(client, key, First);

        app.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(first, await CreateAsync(client, key, First));
        await RefusedAsReusedAsync(client, key, Second);
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await app.QueryAsync(d => d.IdempotentRequests.CountAsync()));
        var second = await CreateAsync(client, key, Second);
        var replayed = await CreateAsync(client, key, Second);

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(second, replayed);
        Assert.Equal(["first", "second"], (await client.ListAsync()).Sessions.Select(s => s.Title));
        await RefusedAsReusedAsync(client, key, First);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task APruneDeletesEveryExpiredRecordBatchByBatchAndKeepsLiveOnes(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new Dictionary<string, string?>
        {
            ["Idempotency:Retention"] = "01:00:00",
            ["Idempotency:PruneInterval"] = "1.00:00:00",
            ["Idempotency:PruneBatchSize"] = "2",
        });
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        using var other = app.ClientFor(FocusSyncApp.NewUserId());
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync(i % 2 == 0 ? client : other, $"old-{i}", First);
        }

        app.Clock.Advance(TimeSpan.FromMinutes(30));
        await CreateAsync(client, "recent", First);
        app.Clock.Advance(TimeSpan.FromMinutes(30));

        var deleted = await Pruner(app).PruneAsync(CancellationToken.None);

        Assert.Equal(5, deleted);
        Assert.Equal(["recent"], await app.QueryAsync(d => d.IdempotentRequests.Select(r => r.Key).ToListAsync()));
        Assert.Equal(6, (await client.ListAsync()).Sessions.Count + (await other.ListAsync()).Sessions.Count);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheBackgroundSweepDeletesExpiredRecordsAsTheClockMoves(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new Dictionary<string, string?>
        {
            ["Idempotency:Retention"] = "01:00:00",
            ["Idempotency:PruneInterval"] = "00:10:00",
        });
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await CreateAsync(client, "soon-expired", First);

        // The sweep sleeps on the service's clock: move it a sweep interval at a time until the record is gone.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await app.QueryAsync(d => d.IdempotentRequests.CountAsync()) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the expired record was never pruned");
            app.Clock.Advance(TimeSpan.FromMinutes(10));
            await Task.Yield();
        }

        Assert.True(app.Clock.GetUtcNow() >= new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero), "pruned before it expired");
        Assert.Single((await client.ListAsync()).Sessions);
    }

    [Theory]
    [InlineData("Idempotency:Retention", "00:00:00")]
    [InlineData("Idempotency:PruneInterval", "00:00:00")]
    [InlineData("Idempotency:PruneBatchSize", "0")]
    public async Task AnIdempotencySettingOutOfRangeStopsTheStartNamingIt(string key, string value)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddClock();
        builder.AddFocusSyncData();
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static IdempotencyPruner Pruner(FocusSyncApp app) =>
        app.Services.GetServices<IHostedService>().OfType<IdempotencyPruner>().Single();

    private static Task<Session> CreateAsync(UserClient client, string key, NewSession session) =>
        client.Api.CreateSessionAsync(session, key, cancellationToken: TestContext.Current.CancellationToken);

    private static async Task RefusedAsReusedAsync(UserClient client, string key, NewSession session)
    {
        var refused = await Assert.ThrowsAsync<FocusSyncValidationException>(() => CreateAsync(client, key, session));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
    }
}
