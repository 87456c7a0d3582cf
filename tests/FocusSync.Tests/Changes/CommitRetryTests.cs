using System.Collections.Concurrent;
using System.Net;
using FocusSync.Api.Data;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Session = FocusSync.Api.Data.Session;
using User = FocusSync.Api.Data.User;

namespace FocusSync.Tests.Changes;

/// <summary>
/// The commit loop retries a change only when it lost a race with another change of the same user; any other
/// database failure fails the request at once with a 500, instead of twenty times.
/// </summary>
public sealed class CommitRetryTests
{
    public enum Fault
    {
        /// <summary>The database refuses the row: a check constraint, with no other change of the user in between.</summary>
        RefusedRow,

        /// <summary>Saving fails for a reason that is no conflict at all.</summary>
        Failure,
    }

    public static TheoryData<Db, Fault> Faults()
    {
        var data = new TheoryData<Db, Fault>();
        foreach (var db in Enum.GetValues<Db>())
        {
            data.Add(db, Fault.RefusedRow);
            data.Add(db, Fault.Failure);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task AFailureThatIsNoConflictIsA500AfterOneAttempt(Db db, Fault fault)
    {
        var saves = new BreakingSaves();
        var errors = new ErrorLog();
        await using var app = await FocusSyncApp.StartAsync(db, WithSaves(saves, errors));
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);
        var id = await client.CreateSessionIdAsync();
        var before = await client.GetSessionAsync(id);

        saves.Break(fault);
        using var response = await client.PatchJsonAsync($"/sessions/{id}", new { title = "renamed" });

        await ApiClient.AssertProblemDetailAsync(response, HttpStatusCode.InternalServerError);
        Assert.Equal(1, saves.Broken);
        Assert.Single(errors.Entries);
        saves.Break(null);
        Assert.Equal(before, (await client.GetSessionAsync(id)));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AChangeThatLostTheSeqCheckIsRetriedAndCommits(Db db)
    {
        var saves = new BreakingSaves();
        await using var app = await FocusSyncApp.StartAsync(db, WithSaves(saves, new ErrorLog()));
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        saves.Race();
        var renamed = await client.EditSessionAsync(id, new SessionChanges(Title: "renamed"));

        Assert.Equal(1, saves.Raced);
        Assert.Equal("renamed", renamed.Title);
        Assert.Equal("renamed", (await client.GetSessionAsync(id)).Title);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentFirstRequestsOfANewUserAllSucceed(Db db)
    {
        // All but one lose the insert of the user row (a unique violation) to a request that committed it: a race, retried.
        await using var app = await FocusSyncApp.StartAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        // The library throws on any refusal, so every request succeeded when none of them threw.
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => i % 2 == 0 ? (Task)client.LoginAsync() : client.CreateGroupAsync($"g{i}")));

        Assert.Equal(6, (await client.Api.GetGroupsAsync(TestContext.Current.CancellationToken)).Count);
    }

    private static AppOptions WithSaves(BreakingSaves saves, ErrorLog errors) => new()
    {
        Services = services =>
        {
            services.AddSingleton<ILoggerProvider>(errors);
            services.ConfigureDbContext<SqliteFocusSyncDb>(o => o.AddInterceptors(saves));
            services.ConfigureDbContext<PostgresFocusSyncDb>(o => o.AddInterceptors(saves));
        },
    };

    /// <summary>Every entry logged at Error or above.</summary>
    private sealed class ErrorLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue($"{category}: {formatter(state, exception)}");
                }
            }
        }
    }

    /// <summary>Breaks the next saves of a change to a session in the chosen way, and counts how often it did.</summary>
    private sealed class BreakingSaves : SaveChangesInterceptor
    {
        private Fault? _fault;
        private bool _race;
        private int _broken;
        private int _raced;

        public int Broken => Volatile.Read(ref _broken);
        public int Raced => Volatile.Read(ref _raced);

        public void Break(Fault? fault) => _fault = fault;

        public void Race() => _race = true;

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            var db = (FocusSyncDb)eventData.Context!;
            var session = db.ChangeTracker.Entries<Session>().FirstOrDefault(e => e.State == EntityState.Modified);
            if (session is null)
            {
                return result;
            }

            if (_fault is { } fault)
            {
                Interlocked.Increment(ref _broken);
                if (fault == Fault.Failure)
                {
                    throw new DbUpdateException("The disk is full (injected).", new IOException("No space left on device"));
                }

                session.Property(s => s.FocusMs).CurrentValue = -1;
            }
            else if (_race)
            {
                // Another change of the user commits first: the seq this attempt loaded is stale.
                _race = false;
                Interlocked.Increment(ref _raced);
                var user = db.ChangeTracker.Entries<User>().Single();
                await db.Database.ExecuteSqlAsync(
                    $"UPDATE \"Users\" SET \"Seq\" = \"Seq\" + 1 WHERE \"Id\" = {user.Entity.Id}", cancellationToken);
            }

            return result;
        }
    }
}
