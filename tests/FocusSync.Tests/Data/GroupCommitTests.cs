using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Data;

/// <summary>
/// SQLite's default durability (synchronous=FULL) with group commit: an action is acknowledged, and anyone's read
/// answered, only once its commit is durable; the connections run NORMAL only when the group commit syncs for them.
/// </summary>
public sealed class GroupCommitTests
{
    private static readonly AppOptions NoDueWork = new() { DueWork = false };

    [Fact]
    public async Task EveryChangeIsAcknowledgedOnlyOnceItsCommitIsDurable()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, NoDueWork);
        var group = GroupCommitOf(app) ?? throw new InvalidOperationException("The default has group commit.");
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var id = await client.CreateSessionIdAsync();
        Assert.True(group.Started > 0);
        Assert.Equal(group.Started, group.Durable);
        foreach (var action in new[] { "start", "pause", "start", "reset" })
        {
            app.Clock.Advance(TimeSpan.FromSeconds(30));
            await client.ActAsync(id, action);
            Assert.Equal(group.Started, group.Durable);
        }
    }

    [Fact]
    public async Task NoDeviceReadsAChangeBeforeItIsDurable()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, NoDueWork);
        var uid = FocusSyncApp.NewUserId();
        using var phone = app.ClientFor(uid);
        using var laptop = app.ClientFor(uid);
        var id = await phone.CreateSessionIdAsync();
        await laptop.ListAsync();
        var wal = new GatedSync();
        FileOf(app).GroupCommit = new SqliteGroupCommit(wal.Sync);

        var start = phone.StartAsync(id);
        await wal.Entered(1);
        var read = laptop.ListAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken);

        Assert.False(start.IsCompleted, "The start was acknowledged before its commit was synced.");
        Assert.False(read.IsCompleted, $"Another device read the start before its commit was synced ({read.Exception?.InnerException?.Message ?? "no error"}).");
        wal.Open();
        var started = await start;
        var list = await read;
        Assert.True(started.IsRunning);
        Assert.True(Assert.Single(list.Sessions).IsRunning);
    }

    [Fact]
    public async Task ManyUsersActingAtOnceAreAllDurableAndAllThere()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, NoDueWork);
        var group = GroupCommitOf(app)!;
        var clients = Enumerable.Range(0, 16).Select(_ => app.ClientFor(FocusSyncApp.NewUserId())).ToList();

        var sessions = await Task.WhenAll(clients.Select(async c =>
        {
            var id = await c.CreateSessionIdAsync();
            await c.StartAsync(id);
            await c.PauseAsync(id);
            return await c.StartAsync(id);
        }));

        Assert.All(sessions, s => Assert.True(s.IsRunning));
        Assert.Equal(group.Started, group.Durable);
        Assert.Equal(16, await app.QueryAsync(db => db.Sessions.CountAsync(s => s.RunStartedAtMs != null)));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task EachChangeCommittedInAGroupIsHeardOnceByEachConnection()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, NoDueWork);
        var uids = Enumerable.Range(0, 8).Select(_ => FocusSyncApp.NewUserId()).ToList();
        var clients = uids.Select(app.ClientFor).ToList();
        var ids = await Task.WhenAll(clients.Select(c => c.CreateSessionIdAsync()));
        var hubs = await Task.WhenAll(uids.Select(uid => app.ConnectHubAsync(uid)));

        await Task.WhenAll(clients.Select(async (client, i) =>
        {
            for (var round = 0; round < 10; round++)
            {
                await client.ActAsync(ids[i], round % 2 == 0 ? "start" : "pause");
            }
        }));

        foreach (var (hub, client) in hubs.Zip(clients))
        {
            var seq = await client.SeqAsync();
            var heard = await hub.NextAsync(10);
            Assert.Equal(Enumerable.Range(0, 10).Select(n => seq - 9 + n), heard.Select(e => e.Seq()));
            Assert.False(await hub.WaitForEventAsync(TimeSpan.FromMilliseconds(300)), "An event was heard twice.");
            await hub.DisposeAsync();
        }

        clients.ForEach(c => c.Dispose());
    }

    [Theory]
    [InlineData("FULL", "true", 1, true)]
    [InlineData("FULL", "false", 2, false)]
    [InlineData("NORMAL", "true", 1, false)]
    public async Task ConnectionsRunNormalOnlyWhenTheGroupCommitSyncsForThem(
        string synchronous, string groupCommit, long pragma, bool grouped)
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new AppOptions
        {
            DueWork = false,
            Settings = new Dictionary<string, string?>
            {
                ["Database:SqliteSynchronous"] = synchronous,
                ["Database:SqliteGroupCommit"] = groupCommit,
            },
        });

        var setting = await app.QueryAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA synchronous;";
            return (long)(await command.ExecuteScalarAsync())!;
        });

        Assert.Equal(pragma, setting);
        Assert.Equal(grouped, GroupCommitOf(app) is not null);
    }

    private static SqliteFile FileOf(FocusSyncApp app) =>
        SqliteFile.For(app.Services.GetRequiredService<IConfiguration>().GetConnectionString("Default")!);

    private static SqliteGroupCommit? GroupCommitOf(FocusSyncApp app) => FileOf(app).GroupCommit;
}
