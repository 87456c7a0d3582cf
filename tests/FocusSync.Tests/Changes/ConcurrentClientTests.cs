using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Changes;

/// <summary>Two clients of one user acting at the same instants never lose or double a millisecond.</summary>
public sealed class ConcurrentClientTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TwoThousandRacingActionsCreditExactlyTheTimeSessionsRan(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var phone = app.ClientFor(uid);
        using var laptop = app.ClientFor(uid);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var created = await phone.PostAsJsonAsync("/sessions", new { title = $"s{i}", initialDuration = 86400, dailyGoalMinutes = 600 }, cancellationToken: TestContext.Current.CancellationToken);
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken)).GetProperty("id").GetInt64());
        }

        var random = new Random(20261128);
        var expectedMs = ids.ToDictionary(id => id, _ => 0L);
        string[] actions = ["start", "start", "pause", "reset"];
        for (var wave = 0; wave < 1000; wave++)
        {
            var requests = new[] { phone, laptop }.Select(client =>
                client.PostAsync($"/sessions/{ids[random.Next(ids.Count)]}/actions/{actions[random.Next(actions.Length)]}", null));
            foreach (var response in await Task.WhenAll(requests))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var running = (await Sessions(phone)).Where(s => s.GetProperty("state").GetString() == "RUNNING").ToList();
            Assert.True(running.Count <= 1, $"wave {wave}: {running.Count} sessions running under singleRunning");
            var gapMs = random.Next(0, 10_000);
            app.Clock.Advance(TimeSpan.FromMilliseconds(gapMs));
            foreach (var session in running)
            {
                expectedMs[session.GetProperty("id").GetInt64()] += gapMs;
            }
        }

        foreach (var session in await Sessions(laptop))
        {
            var id = session.GetProperty("id").GetInt64();
            Assert.Equal(expectedMs[id] / 1000.0, session.GetProperty("focusSeconds").GetDouble(), 6);
        }
    }

    private static async Task<List<JsonElement>> Sessions(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/sessions")).GetProperty("sessions").EnumerateArray()];
}
