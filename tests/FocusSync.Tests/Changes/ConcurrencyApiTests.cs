using System.Net;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Changes;

/// <summary>
/// Parallel clients of one user acting at the same instants. Each test has its own app because it moves the clock.
/// </summary>
public sealed class ConcurrencyApiTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EveryChangeOfABurstByOneUserCommitsWithItsOwnSeq(Db db)
    {
        // Each loser of the seq check loads again holding the user's lock, so even the last of 60 gets through.
        await using var app = await FocusSyncApp.StartAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var seq = (await client.ListAsync()).Seq;

        // The library throws on any refusal: all 60 answered.
        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => client.EditSessionAsync(id, new SessionChanges(Title: $"title {i}"))));

        Assert.Equal(60, answers.Select(a => a.Version).Distinct().Count());
        Assert.Equal(seq + 60, (await client.ListAsync()).Seq);
        Assert.Equal(61, (await client.GetSessionAsync(id)).Version);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentStartsAndPausesCreditExactlyTheTimeSomeSessionRan(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        var clients = Enumerable.Range(0, 4).Select(_ => app.ClientFor(uid)).ToArray();
        try
        {
            var ids = new[]
            {
                await clients[0].CreateSessionIdAsync(new NewSession("a", 86400, 600)),
                await clients[0].CreateSessionIdAsync(new NewSession("b", 86400, 600)),
            };
            var expectedMs = ids.ToDictionary(id => id, _ => 0L);
            var random = new Random(20260601);
            var elapsedRunningMs = 0L;

            for (var wave = 0; wave < 15; wave++)
            {
                var requests = Enumerable.Range(0, 12).Select(i =>
                {
                    var id = ids[random.Next(ids.Length)];
                    var action = random.Next(3) == 0 ? "pause" : "start";
                    return (Action: action, Answer: clients[i % clients.Length].ActAsync(id, action));
                }).ToList();
                await Task.WhenAll(requests.Select(r => r.Answer));

                foreach (var (action, answer) in requests)
                {
                    Assert.Equal(action == "start" ? "RUNNING" : "PAUSED", (await answer).State);
                }

                var running = (await clients[0].ListAsync()).Sessions.Where(s => s.State == "RUNNING").ToList();
                Assert.True(running.Count <= 1, $"wave {wave}: {running.Count} sessions running at once");

                var step = random.Next(1, 120_000);
                if (running is [var runner])
                {
                    expectedMs[runner.Id] += step;
                    elapsedRunningMs += step;
                }

                app.Clock.Advance(TimeSpan.FromMilliseconds(step));
            }

            await Task.WhenAll(ids.Select(id => clients[1].ActAsync(id, "pause")));

            var sessions = (await clients[0].ListAsync()).Sessions;
            foreach (var session in sessions)
            {
                Assert.Equal(expectedMs[session.Id] / 1000.0, session.FocusSeconds);
                Assert.Equal(86400 - (expectedMs[session.Id] / 1000.0), session.TimeLeft!.Value, 6);
            }

            Assert.True(elapsedRunningMs > 0, "the random waves never left a session running");
            Assert.Equal(elapsedRunningMs, sessions.Sum(s => (long)Math.Round(s.FocusSeconds * 1000)));
            foreach (var id in ids)
            {
                Assert.Equal(expectedMs[id], (await app.Services.CreditedMsAsync(id)).Values.Sum());
            }
        }
        finally
        {
            Array.ForEach(clients, c => c.Dispose());
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentPausesOfOneRunCreditItOnce(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var setup = app.ClientFor(uid);
        var id = await setup.CreateSessionIdAsync(new NewSession("t", 3600, 60));
        await setup.ActAsync(id, "start");
        var seq = (await setup.ListAsync()).Seq;
        app.Clock.Advance(TimeSpan.FromMilliseconds(10_250));

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var client = app.ClientFor(uid);
            return await client.PauseAsync(id);
        }));

        Assert.All(answers, a =>
        {
            Assert.Equal("PAUSED", a.State);
            Assert.Equal(10.25, a.FocusSeconds);
            Assert.Equal(3, a.Version);
        });
        var list = await setup.ListAsync();
        Assert.Equal(seq + 1, list.Seq);
        Assert.Equal(10.25, list.Sessions.Single().FocusSeconds);
        Assert.Equal(10_250, (await app.Services.CreditedMsAsync(id)).Values.Sum());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentStartsOfOneSessionStartItOnce(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var setup = app.ClientFor(uid);
        var id = await setup.CreateSessionIdAsync(new NewSession("t", 3600, 60));
        var started = app.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var client = app.ClientFor(uid);
            return await client.StartAsync(id);
        }));

        Assert.All(answers, a =>
        {
            Assert.Equal("RUNNING", a.State);
            Assert.Equal(started, a.RunStartedAtMs);
            Assert.Equal(2, a.Version);
        });
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(5, (await setup.ActAsync(id, "pause")).FocusSeconds);
        Assert.Equal(5000, (await app.Services.CreditedMsAsync(id)).Values.Sum());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentStartsOfTwoSessionsLeaveOneRunningUnderSingleRunning(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var setup = app.ClientFor(uid);
        var ids = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await setup.CreateSessionIdAsync());
        }

        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(ids.SelectMany(id => Enumerable.Range(0, 3).Select(async _ =>
            {
                using var client = app.ClientFor(uid);
                return await client.StartAsync(id);
            })));

            var sessions = (await setup.ListAsync()).Sessions;
            Assert.Single(sessions, s => s.State == "RUNNING");
            app.Clock.Advance(TimeSpan.FromSeconds(30));
        }

        var total = (await setup.ListAsync()).Sessions.Sum(s => s.FocusSeconds);
        Assert.Equal(150, total);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentStartsWithoutSingleRunningRunBothSessions(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var setup = app.ClientFor(uid);
        await setup.ChangeSettingsAsync(new SettingsChanges(SingleRunning: false));
        var a = await setup.CreateSessionIdAsync();
        var b = await setup.CreateSessionIdAsync();

        using var first = app.ClientFor(uid);
        using var second = app.ClientFor(uid);
        await Task.WhenAll(first.ActAsync(a, "start"), second.ActAsync(b, "start"));
        app.Clock.Advance(TimeSpan.FromSeconds(20));
        await Task.WhenAll(first.ActAsync(a, "pause"), second.ActAsync(b, "pause"), first.ActAsync(b, "pause"));

        Assert.All((await setup.ListAsync()).Sessions, s => Assert.Equal(20, s.FocusSeconds));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AConcurrentDeleteAndPauseCreditTheRunOnce(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var setup = app.ClientFor(uid);
        var id = await setup.CreateSessionIdAsync(new NewSession("t", 3600, 60));
        await setup.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(42));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var client = app.ClientFor(uid);
            using var response = i % 2 == 0
                ? await client.DeleteAsync($"/sessions/{id}")
                : await client.PostAsync($"/sessions/{id}/actions/pause", null);
            return response.StatusCode;
        }));

        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.NoContent));
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.NoContent, HttpStatusCode.OK, HttpStatusCode.NotFound }));
        Assert.Equal(42_000, (await app.Services.CreditedMsAsync(id)).Values.Sum());
        Assert.Empty((await setup.ListAsync()).Sessions);
    }
}
