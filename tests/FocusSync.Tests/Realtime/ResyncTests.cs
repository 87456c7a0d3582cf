using System.Globalization;
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
        var reconnecting = await app.ConnectViewAsync(user.Uid);
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
                // The documented reconnect, as the client library does it: connect first, then fetch, then apply what is newer than the fetch.
                reconnecting = await app.ConnectViewAsync(user.Uid);
            }

            await RandomActionAsync(app, user, random, live);
        }

        var server = await user.ListAsync();
        await reconnecting.UntilAsync(() => reconnecting.Seq >= server.Seq, $"the view reaches seq {server.Seq}");
        var expected = server.Sessions.OrderBy(s => s.Id).Select(Shape.Of).ToList();
        var rebuilt = reconnecting.Sessions.OrderBy(s => s.Id).Select(s => Shape.Of(s, server.ServerTimeMs)).ToList();
        Assert.True(expected.SequenceEqual(rebuilt), $"server:\n{string.Join("\n", expected)}\nrebuilt:\n{string.Join("\n", rebuilt)}");
        var seqs = new List<long>();
        while (seqs.Count < server.Seq - startSeq)
        {
            seqs.Add((await recorder.NextAsync()).Seq());
        }

        // Gap-free and each once; two commits of one user racing (a request and the due-work job) may swap arrival order.
        Assert.Equal(Enumerable.Range(1, (int)(server.Seq - startSeq)).Select(i => startSeq + i), seqs.Order());
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

    /// <summary>What a person sees of a session at one instant of the server's clock, to the millisecond.</summary>
    private sealed record Shape(
        long Id, string Title, long? GroupId, bool NoGoal, int? InitialDuration, int? DailyGoalMinutes, string State, bool IsCompleted,
        int Version, long? TargetTimeMs, long? RunStartedAtMs, DateTimeOffset CreatedAt, string TimeLeft, string FocusSeconds)
    {
        public static Shape Of(Session s) => new(
            s.Id, s.Title, s.GroupId, s.NoGoal, s.InitialDuration, s.DailyGoalMinutes, s.State, s.IsCompleted, s.Version, s.TargetTimeMs,
            s.RunStartedAtMs, s.CreatedAt, Seconds(s.TimeLeft), Seconds(s.FocusSeconds));

        public static Shape Of(LiveSession s, long atMs) => new(
            s.Id, s.Title, s.GroupId, s.NoGoal, s.InitialDuration, s.DailyGoalMinutes, s.State, s.IsCompleted, s.Version, s.TargetTimeMs,
            s.RunStartedAtMs, s.CreatedAt, Seconds(s.TimeLeftAt(atMs)), Seconds(s.FocusSecondsAt(atMs)));

        private static string Seconds(double? value) => value?.ToString("F3", CultureInfo.InvariantCulture) ?? "null";
    }
}
