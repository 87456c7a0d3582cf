using System.Net;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Realtime;

public sealed class ResyncTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task SeqIsGapFreeOverRandomActionsAndAReconnectedClientRebuildsTheServersState(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var startSeq = await user.SeqAsync();
        await using var recorder = await app.ConnectHubAsync(user.Uid);
        var reconnecting = await app.ConnectHubAsync(user.Uid);
        var mirror = await ClientState.StartAsync(user);
        var random = new Random(20260601);
        var live = new List<long>();

        for (var step = 0; step < 200; step++)
        {
            if (step == 80)
            {
                await reconnecting.DisposeAsync();
            }
            else if (step == 120)
            {
                // The documented reconnect: connect first, then fetch, then apply what is newer than the fetch.
                reconnecting = await app.ConnectHubAsync(user.Uid);
                mirror = await ClientState.StartAsync(user);
            }

            await RandomActionAsync(app, user, random, live);
            if (step < 80 || step >= 120)
            {
                while (reconnecting.TryNext(out var change))
                {
                    await mirror.ApplyAsync(change);
                }
            }
        }

        // The mirror holds sessions as the events carry them, so the server's list is compared as the wire carries it too.
        var server = await RawListAsync(user);
        var endSeq = server.GetProperty("seq").GetInt64();
        while (mirror.Seq < endSeq)
        {
            await mirror.ApplyAsync(await reconnecting.NextAsync());
        }

        var expected = Normalize(server.Sessions(), app);
        var rebuilt = Normalize(mirror.Sessions, app);
        Assert.True(expected.SequenceEqual(rebuilt), $"server:\n{string.Join("\n", expected)}\nrebuilt:\n{string.Join("\n", rebuilt)}");
        var seqs = new List<long>();
        while (seqs.Count < endSeq - startSeq)
        {
            seqs.Add((await recorder.NextAsync()).Seq());
        }

        // Gap-free and each once; two commits of one user racing (a request and the due-work job) may swap arrival order.
        Assert.Equal(Enumerable.Range(1, (int)(endSeq - startSeq)).Select(i => startSeq + i), seqs.Order());
        await reconnecting.DisposeAsync();
    }

    private static async Task RandomActionAsync(FocusSyncApp app, UserClient user, Random random, List<long> live)
    {
        var pick = live.Count == 0 ? 0 : random.Next(10);
        var id = live.Count == 0 ? 0 : live[random.Next(live.Count)];
        switch (pick)
        {
            case 0 when live.Count < 8:
                live.Add((await user.CreateSessionAsync($"Task {random.Next(1000)}", random.Next(20, 400), 30)).Id);
                break;
            case 1 or 2:
                await user.ActAsync(id, "start");
                break;
            case 3:
                await user.ActAsync(id, "pause");
                break;
            case 4:
                await user.ActAsync(id, "reset");
                break;
            case 5:
                await user.EditSessionAsync(id, random.Next(2) == 0 ? new SessionChanges(Title: $"Renamed {random.Next(1000)}") : new SessionChanges(InitialDuration: random.Next(20, 400)));
                break;
            case 6 when live.Count > 2:
                await user.DeleteSessionAsync(id);
                live.Remove(id);
                break;
            case 7:
                await user.ResetAllAsync();
                break;
            case 8:
                await user.ChangeSettingsAsync(new SettingsChanges(SingleRunning: random.Next(2) == 0));
                break;
            default:
                app.Clock.Advance(TimeSpan.FromMilliseconds(random.Next(1, 120_000)));
                break;
        }
    }

    /// <summary>Sessions as a client shows them now: a running countdown projected from its event's serverTimeMs.</summary>
    private static Task<JsonElement> RawListAsync(UserClient user) =>
        user.GetAsync("/sessions", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

    private static List<string> Normalize(IEnumerable<JsonElement> sessions, FocusSyncApp app) =>
        [.. sessions.OrderBy(s => s.GetProperty("id").GetInt64()).Select(s => string.Join(", ", s.EnumerateObject()
            .Where(p => p.Name is not ("timeLeft" or "focusSeconds" or "asOfMs"))
            .Select(p => $"{p.Name}={(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}")
            .Append($"timeLeft={Project(s, "timeLeft", -1, app):F3}")
            .Append($"focusSeconds={Project(s, "focusSeconds", 1, app):F3}")))];

    private static double? Project(JsonElement session, string field, int direction, FocusSyncApp app)
    {
        if (session.GetProperty(field).ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var value = session.GetProperty(field).GetDouble();
        var running = session.GetProperty("state").GetString() == "RUNNING";
        var asOf = session.TryGetProperty("asOfMs", out var at) ? at.GetInt64() : app.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        return running ? value + (direction * (app.Clock.GetUtcNow().ToUnixTimeMilliseconds() - asOf) / 1000.0) : value;
    }

    /// <summary>A client following docs/realtime.md: apply seq + 1, ignore what it has, refetch on a gap.</summary>
    private sealed class ClientState(UserClient user)
    {
        private readonly Dictionary<long, JsonElement> _sessions = [];

        public long Seq { get; private set; }

        public IEnumerable<JsonElement> Sessions => _sessions.Values;

        public static async Task<ClientState> StartAsync(UserClient user)
        {
            var state = new ClientState(user);
            await state.ResyncAsync();
            return state;
        }

        public async Task ApplyAsync(JsonElement change)
        {
            var seq = change.Seq();
            if (seq <= Seq)
            {
                return;
            }

            if (seq != Seq + 1)
            {
                await ResyncAsync();
                return;
            }

            var at = change.GetProperty("serverTimeMs").GetInt64();
            switch (change.Type())
            {
                case "resetAll" or "autoReset":
                    _sessions.Clear();
                    foreach (var session in change.GetProperty("sessions").EnumerateArray())
                    {
                        Put(session, at);
                    }

                    break;
                case "deleteSession":
                    _sessions.Remove(change.GetProperty("sessionId").GetInt64());
                    break;
                default:
                    if (change.TryGetProperty("session", out var one))
                    {
                        Put(one, at);
                    }

                    break;
            }

            Seq = seq;
        }

        private async Task ResyncAsync()
        {
            var list = await RawListAsync(user);
            _sessions.Clear();
            foreach (var session in list.Sessions())
            {
                Put(session, list.GetProperty("serverTimeMs").GetInt64());
            }

            Seq = list.GetProperty("seq").GetInt64();
        }

        private void Put(JsonElement session, long asOfMs)
        {
            var copy = JsonSerializer.SerializeToNode(session)!.AsObject();
            copy["asOfMs"] = asOfMs;
            _sessions[session.GetProperty("id").GetInt64()] = JsonSerializer.SerializeToElement(copy);
        }
    }
}
