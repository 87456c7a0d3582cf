using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using static FocusSync.Tests.Sync.SyncKit;

namespace FocusSync.Tests.Sync;

/// <summary>
/// A phone that goes offline and a laptop that stays online, acting on one user's sessions (SPEC section 7): the worked
/// example of docs/decisions.md ("Timed actions"), and random interleavings checked against the runs that the events
/// describe. No due-work job: only requests perform what falls due, so a boundary may wait for the next request.
/// </summary>
public sealed class OfflineDeviceTests
{
    private static readonly Dictionary<string, string?> NoJob = new() { ["DueWork:Enabled"] = "false" };
    private static readonly DateOnly June1 = new(2026, 6, 1);

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheWorkedExampleOfAnOfflinePhoneAndAnOnlineLaptop(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var laptop = app.ClientFor(uid);
        using var phone = app.ClientFor(uid);
        var at8 = app.NowMs();
        long At(int minutes) => at8 + minutes * 60_000L;
        var write = await laptop.CreateSessionIdAsync(new NewSession("Write", 3600, 60));
        var read = await laptop.CreateSessionIdAsync(new NewSession("Read", 1800, 30));
        var email = await laptop.CreateSessionIdAsync(NewSession.Stopwatch("Email"));
        await laptop.ActAsync(write, "start");
        var known = (await phone.ListAsync()).Sessions.ToDictionary(s => s.Id, s => s.Version);

        // 08:20 and 08:25, on the phone, offline: queued with the instant and the version the phone knew.
        SyncOperation[] queue =
        [
            Op(OperationKind.Pause, write, at: At(20), baseVersion: known[write]),
            Op(OperationKind.Start, read, at: At(25), baseVersion: known[read]),
        ];
        app.Clock.Advance(TimeSpan.FromMinutes(40));
        await laptop.ActAsync(email, "start");
        app.Clock.Advance(TimeSpan.FromMinutes(10));

        var batch = await phone.SyncAsync(queue);

        var (stale, started) = (batch.Results[0], batch.Results[1]);
        var current = stale.Problem!.Session!;
        Assert.Equal((412, "PAUSED", 3, 2400.0), (stale.Status, current.State, current.Version, current.FocusSeconds));
        Assert.Equal((200, At(40), At(40)), (started.Status, started.AppliedAtMs, started.Session!.RunStartedAtMs));
        var now = (await laptop.ListAsync()).Sessions.ToDictionary(s => s.Id);
        Assert.Equal((2400.0, 600.0, 0.0), (now[write].FocusSeconds, now[read].FocusSeconds, now[email].FocusSeconds));
        Assert.Equal(("PAUSED", "RUNNING", "PAUSED"), (now[write].State, now[read].State, now[email].State));

        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await laptop.ActAsync(read, "pause");
        Assert.Equal(
            new Dictionary<(long, DateOnly), long> { [(write, June1)] = 2_400_000, [(read, June1)] = 1_200_000 },
            await app.CreditsAsync(uid));
    }

    public static TheoryData<Db, int> Seeds()
    {
        var data = new TheoryData<Db, int>();
        foreach (var db in Enum.GetValues<Db>())
        {
            foreach (var seed in Enumerable.Range(1, 6))
            {
                data.Add(db, seed);
            }
        }

        return data;
    }

    /// <summary>
    /// Random steps of a laptop (online, acting now) and a phone (online, or offline for random stretches that may
    /// cross midnight, its actions queued with their instants and sent in one batch when it is back). The runs read
    /// from the events — opened when a session shows RUNNING, closed at the <c>appliedAtMs</c> of the event that shows
    /// it stopped — never overlap (one session runs at a time), never cross a user-day boundary, and are exactly what
    /// is credited, per session and day, to the millisecond.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task WhateverAnOfflineDeviceQueuedTheCreditsAreExactlyTheRunsTheEventsDescribe(Db db, int seed)
    {
        await using var app = await FocusSyncApp.StartAsync(db, NoJob);
        var uid = FocusSyncApp.NewUserId();
        using var laptop = app.ClientFor(uid);
        using var phone = app.ClientFor(uid);
        // The clock moves days over the steps (about five on average): a connection that lives as long as its token
        // must outlive them all, or it would miss the events the runs are read from.
        await using var hub = await app.ConnectHubAsync(uid, tokenLifetime: TimeSpan.FromDays(29));
        var random = new Random(seed);
        var queue = new List<SyncOperation>();
        var phoneKnows = new Dictionary<long, int>();
        var online = true;

        for (var step = 0; step < 60; step++)
        {
            app.Clock.Advance(TimeSpan.FromMilliseconds(random.Next(4) switch
            {
                0 => 0,
                1 => random.Next(600_000),
                2 => random.Next(3 * 3_600_000),
                _ => random.Next(14 * 3_600_000),
            }));
            if (random.Next(8) == 0)
            {
                online = !online;
                if (online)
                {
                    await SendQueueAsync(phone, queue);
                }

                phoneKnows = await KnownAsync(phone);
            }

            if (random.Next(2) == 0)
            {
                var known = await KnownAsync(laptop);
                var (kind, id, created, duration) = Pick(random, known);
                await SendNowAsync(laptop, kind, id, created, duration);
            }
            else
            {
                var (kind, id, created, duration) = Pick(random, phoneKnows);
                int? baseVersion = id is { } sid && random.Next(3) == 0 ? phoneKnows[sid] : null;
                queue.Add(Op(kind, id, BodyOf(created, duration), app.NowMs(), baseVersion));
                if (online)
                {
                    await SendQueueAsync(phone, queue);
                    phoneKnows = await KnownAsync(phone);
                }
            }
        }

        await SendQueueAsync(phone, queue);
        app.Clock.Advance(TimeSpan.FromHours(random.Next(30)));
        await laptop.ResetAllAsync();
        var seq = await laptop.SeqAsync();

        var events = new List<JsonElement>();
        while (events.Count == 0 || events.Max(e => e.Seq()) < seq)
        {
            events.Add(await hub.NextAsync());
        }

        var runs = RunsOf(events.OrderBy(e => e.Seq()));
        var ordered = runs.OrderBy(r => r.From).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].From >= ordered[i - 1].To, $"runs overlap: {ordered[i - 1]} and {ordered[i]}");
        }

        Assert.All(runs, r => Assert.True(
            r.To <= Ms(new DateTimeOffset(Day(r.From).AddDays(1), TimeOnly.MinValue, TimeSpan.Zero)), $"{r} crosses midnight"));
        var expected = runs.Where(r => r.To > r.From).GroupBy(r => (r.Session, Day(r.From))).ToDictionary(g => g.Key, g => g.Sum(r => r.To - r.From));
        Assert.Equal(expected.OrderBy(e => e.Key), (await app.CreditsAsync(uid)).OrderBy(e => e.Key));
    }

    private static readonly OperationKind[] Kinds =
    [
        OperationKind.Start, OperationKind.Start, OperationKind.Start, OperationKind.Pause, OperationKind.Pause, OperationKind.Reset,
        OperationKind.Create, OperationKind.Edit, OperationKind.Delete, OperationKind.ResetAll,
    ];

    /// <summary>A random operation on what the device knows: a creation's session, or an edit's new duration.</summary>
    private static (OperationKind Kind, long? SessionId, NewSession? Created, int? Duration) Pick(Random random, Dictionary<long, int> known)
    {
        var kind = Kinds[random.Next(Kinds.Length)];
        if (kind == OperationKind.Create || (known.Count == 0 && kind != OperationKind.ResetAll))
        {
            return known.Count >= 6 ? (OperationKind.ResetAll, null, null, null) : random.Next(3) == 0
                ? (OperationKind.Create, null, NewSession.Stopwatch("free"), null)
                : (OperationKind.Create, null, new NewSession("countdown", 60 + random.Next(7200), 30), null);
        }

        if (kind == OperationKind.ResetAll)
        {
            return (kind, null, null, null);
        }

        var id = known.Keys.ElementAt(random.Next(known.Count));
        return (kind, id, null, kind == OperationKind.Edit ? 60 + random.Next(7200) : null);
    }

    private static object? BodyOf(NewSession? created, int? duration) => created switch
    {
        { NoGoal: true } => new { title = created.Title, noGoal = true },
        not null => new { title = created.Title, initialDuration = created.InitialDuration, dailyGoalMinutes = created.DailyGoalMinutes },
        null => duration is { } seconds ? new { initialDuration = seconds } : null,
    };

    /// <summary>The laptop's command, to its endpoint, with no instant: it applies now; a refusal must be one a person can cause.</summary>
    private static async Task SendNowAsync(UserClient laptop, OperationKind kind, long? id, NewSession? created, int? duration)
    {
        var refused = await Record.ExceptionAsync(() => kind switch
        {
            OperationKind.Create => laptop.CreateSessionAsync(created!),
            OperationKind.Edit => laptop.EditSessionAsync(id!.Value, new SessionChanges(InitialDuration: duration)),
            OperationKind.Delete => laptop.DeleteSessionAsync(id!.Value),
            OperationKind.ResetAll => laptop.ResetAllAsync(),
            OperationKind.Start => laptop.StartAsync(id!.Value),
            OperationKind.Pause => laptop.PauseAsync(id!.Value),
            _ => laptop.ActAsync(id!.Value, "reset"),
        });
        Assert.True(refused is null || refused is FocusSyncApiException { Status: < (HttpStatusCode)422 }, $"laptop {kind} {id}: {refused}");
    }

    private static async Task SendQueueAsync(UserClient phone, List<SyncOperation> queue)
    {
        var batch = await phone.SyncAsync([.. queue]);
        Assert.All(batch.Results, r => Assert.Contains(r.Status, new[] { 200, 201, 204, 400, 404, 412 }));
        queue.Clear();
    }

    private static async Task<Dictionary<long, int>> KnownAsync(UserClient client) =>
        (await client.ListAsync()).Sessions.ToDictionary(s => s.Id, s => s.Version);

    private sealed record Run(long Session, long From, long To);

    /// <summary>The runs the events describe, in seq order: each session's RUNNING stretches, ended where an event shows it stopped.</summary>
    private static List<Run> RunsOf(IEnumerable<JsonElement> events)
    {
        var open = new Dictionary<long, long>();
        var runs = new List<Run>();
        foreach (var change in events)
        {
            var appliedAtMs = change.AppliedAtMs();
            var shown = change.TryGetProperty("session", out var one) ? [one]
                : change.TryGetProperty("sessions", out var many) ? many.EnumerateArray().ToArray()
                : [];
            foreach (var session in shown)
            {
                var running = session.Str("state") == "RUNNING";
                if (running && !open.ContainsKey(session.Id()))
                {
                    open[session.Id()] = session.GetProperty("runStartedAtMs").GetInt64();
                }
                else if (!running && open.Remove(session.Id(), out var from))
                {
                    runs.Add(new Run(session.Id(), from, appliedAtMs));
                }
            }

            if (change.TryGetProperty("sessionId", out var deleted) && open.Remove(deleted.GetInt64(), out var since))
            {
                runs.Add(new Run(deleted.GetInt64(), since, appliedAtMs));
            }
        }

        Assert.Empty(open);
        return runs;
    }

    private static DateOnly Day(long ms) => DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime);
}
