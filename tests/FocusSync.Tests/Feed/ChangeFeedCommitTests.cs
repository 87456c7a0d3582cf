using System.Data.Common;
using System.Net;
using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace FocusSync.Tests.Feed;

/// <summary>A change and its events commit together: a failed commit leaves neither, and an event that cannot be stored fails its change.</summary>
public sealed class ChangeFeedCommitTests
{
    private const string Renamed = "renamed";

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACommitThatFailsLeavesNeitherTheChangeNorItsEvent(Db db)
    {
        var commits = new FailingCommit();
        await using var app = await FocusSyncApp.StartAsync(db, With(commits));
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync();
        var seq = await app.UserSeqAsync(uid);

        commits.Armed = true;
        using var response = await client.PatchJsonAsync($"/sessions/{id}", new { title = Renamed });

        await ApiClient.AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.False(commits.Armed);
        await AssertUnchangedAsync(app, client, uid, id, seq);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnEventTheDatabaseRefusesFailsItsChange(Db db)
    {
        var saves = new RefusedEvent();
        await using var app = await FocusSyncApp.StartAsync(db, With(saves));
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync();
        var seq = await app.UserSeqAsync(uid);

        saves.Armed = true;
        using var response = await client.PatchJsonAsync($"/sessions/{id}", new { title = Renamed });

        await ApiClient.AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.False(saves.Armed);
        await AssertUnchangedAsync(app, client, uid, id, seq);
    }

    private static async Task AssertUnchangedAsync(FocusSyncApp app, UserClient client, string uid, long sessionId, long seq)
    {
        Assert.Equal(seq, await app.UserSeqAsync(uid));
        Assert.Equal(Enumerable.Range(1, (int)seq).Select(i => (long)i), await app.StoredSeqsAsync(uid));
        Assert.Equal("Write", (await client.GetSessionAsync(sessionId)).Title);
        Assert.Empty((await client.ReadChangesAsync(seq)).Events);
    }

    private static AppOptions With(IInterceptor interceptor) => new()
    {
        Services = services =>
        {
            services.ConfigureDbContext<SqliteFocusSyncDb>(o => o.AddInterceptors(interceptor));
            services.ConfigureDbContext<PostgresFocusSyncDb>(o => o.AddInterceptors(interceptor));
        },
    };

    /// <summary>When armed, fails the next commit of a change that renames a session, after every statement of it has run.</summary>
    private sealed class FailingCommit : DbTransactionInterceptor
    {
        private int _armed;

        public bool Armed
        {
            get => Volatile.Read(ref _armed) == 1;
            set => Volatile.Write(ref _armed, value ? 1 : 0);
        }

        public override ValueTask<InterceptionResult> TransactionCommittingAsync(
            DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            var renaming = eventData.Context!.ChangeTracker.Entries<Session>().Any(e => e.Entity.Title == Renamed);
            if (renaming && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                throw new IOException("The disk is full (injected).");
            }

            return ValueTask.FromResult(result);
        }
    }

    /// <summary>When armed, makes the next event row one the database refuses (no JSON), in the same save as its change.</summary>
    private sealed class RefusedEvent : SaveChangesInterceptor
    {
        private int _armed;

        public bool Armed
        {
            get => Volatile.Read(ref _armed) == 1;
            set => Volatile.Write(ref _armed, value ? 1 : 0);
        }

        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            var added = eventData.Context!.ChangeTracker.Entries<StoredChange>().FirstOrDefault(e => e.State == EntityState.Added);
            if (added is not null && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                added.Property(c => c.Json).CurrentValue = null!;
            }

            return ValueTask.FromResult(result);
        }
    }
}
