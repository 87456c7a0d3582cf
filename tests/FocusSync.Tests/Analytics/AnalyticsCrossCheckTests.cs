using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Analytics;

public sealed class AnalyticsCrossCheckTests
{
    private static readonly string[] Zones = ["UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"];
    private static readonly string[] WeekDays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DailyBucketsSumToTheirWeekAndTheirMonthForRandomHistories(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 9, 20, 6, 0, 0, TimeSpan.Zero));
        var random = new Random(20260920);
        var users = new List<(UserClient User, List<long> Sessions)>();
        for (var i = 0; i < 3; i++)
        {
            var user = await UserClient.SignInAsync(app, new { timeZone = Zones[random.Next(Zones.Length)], resetTime = $"{random.Next(24):00}:{random.Next(4) * 15:00}" });
            users.Add((user, [await user.CreateSessionIdAsync("First", goalMinutes: 30)]));
        }

        try
        {
            // About ten weeks of random actions, including DST ends in several zones and settings changes.
            var end = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
            while (app.Clock.GetUtcNow() < end)
            {
                app.Clock.Advance(TimeSpan.FromMinutes(random.Next(1, 360)) + TimeSpan.FromMilliseconds(random.Next(1000)));
                var (user, sessions) = users[random.Next(users.Count)];
                await ActAsync(user, sessions, random);
            }

            foreach (var (user, _) in users)
            {
                await AssertConsistentAsync(user, "weekly");
                await AssertConsistentAsync(user, "monthly");
            }
        }
        finally
        {
            users.ForEach(u => u.User.Dispose());
        }
    }

    private static async Task ActAsync(UserClient user, List<long> sessions, Random random)
    {
        var roll = random.Next(100);
        var id = sessions[random.Next(sessions.Count)];
        if (roll < 40)
        {
            await user.StartAsync(id);
        }
        else if (roll < 70)
        {
            await user.PauseAsync(id);
        }
        else if (roll < 78 && sessions.Count < 6)
        {
            sessions.Add(await user.CreateSessionIdAsync($"Task {sessions.Count}", random.Next(3) == 0 ? null : random.Next(5, 240)));
        }
        else if (roll < 82 && sessions.Count > 1)
        {
            await user.DeleteSessionAsync(id);
            sessions.Remove(id);
        }
        else if (roll < 90)
        {
            var response = await user.PatchAsync($"/sessions/{id}", JsonContent($"{{\"dailyGoalMinutes\":{random.Next(5, 240)}}}"));
            Assert.True(response.IsSuccessStatusCode || (int)response.StatusCode == 400);
        }
        else if (roll < 93)
        {
            await user.ChangeSettingsAsync(new { weekStart = WeekDays[random.Next(7)] });
        }
        else if (roll < 95)
        {
            await user.ChangeSettingsAsync(new { timeZone = Zones[random.Next(Zones.Length)], resetTime = $"{random.Next(24):00}:{random.Next(60):00}" });
        }
        else
        {
            var all = await user.PostAsync("/sessions/actions/reset-all", null);
            Assert.True(all.IsSuccessStatusCode);
        }
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task AssertConsistentAsync(UserClient user, string period)
    {
        var coarse = await user.ReportAsync($"period={period}&from=2026-09-01&to=2026-12-01");
        var from = coarse.Json.GetProperty("from").GetString();
        var to = coarse.Json.GetProperty("to").GetString();
        var daily = await user.ReportAsync($"period=daily&from={from}&to={to}");
        Assert.Equal(Ms(coarse.Json.GetProperty("summary").GetProperty("totalSeconds")), Ms(daily.Json.GetProperty("summary").GetProperty("totalSeconds")));
        foreach (var bucket in coarse.Buckets)
        {
            var start = bucket.GetProperty("start").GetString()!;
            var last = bucket.GetProperty("end").GetString()!;
            var days = daily.Buckets
                .Where(d => string.CompareOrdinal(d.GetProperty("start").GetString(), start) >= 0
                    && string.CompareOrdinal(d.GetProperty("start").GetString(), last) <= 0)
                .ToList();
            var summed = days
                .SelectMany(d => d.GetProperty("items").EnumerateArray())
                .GroupBy(i => i.GetProperty("sessionId").GetInt64())
                .ToDictionary(g => g.Key, g => (Ms: g.Sum(i => Ms(i.GetProperty("seconds"))), Goal: SumGoals(g)));
            var items = bucket.GetProperty("items").EnumerateArray().ToDictionary(
                i => i.GetProperty("sessionId").GetInt64(),
                i => (Ms: Ms(i.GetProperty("seconds")), Goal: Goal(i)));
            Assert.Equal(summed.OrderBy(s => s.Key), items.OrderBy(s => s.Key));
            Assert.Equal(days.Sum(d => Ms(d.GetProperty("totalSeconds"))), Ms(bucket.GetProperty("totalSeconds")));
            foreach (var item in bucket.GetProperty("items").EnumerateArray())
            {
                var goal = Goal(item);
                var met = item.GetProperty("goalMet");
                Assert.Equal<bool?>(goal is null ? null : Ms(item.GetProperty("seconds")) >= goal * 60_000L, met.ValueKind == JsonValueKind.Null ? null : met.GetBoolean());
            }
        }
    }

    private static int? SumGoals(IEnumerable<JsonElement> items) =>
        items.Select(Goal).Aggregate((int?)null, (sum, goal) => goal is null ? sum : (sum ?? 0) + goal);

    private static int? Goal(JsonElement item) =>
        item.GetProperty("goalMinutes") is { ValueKind: JsonValueKind.Number } goal ? goal.GetInt32() : null;

    private static long Ms(JsonElement seconds) => (long)Math.Round(seconds.GetDouble() * 1000);
}
