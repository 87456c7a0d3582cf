using System.Net;
using FocusSync.Client;
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
            var user = await UserClient.SignInAsync(app, new SettingsChanges(TimeZone: Zones[random.Next(Zones.Length)], ResetTime: $"{random.Next(24):00}:{random.Next(4) * 15:00}"));
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
                await AssertConsistentAsync(user, AnalyticsPeriod.Weekly);
                await AssertConsistentAsync(user, AnalyticsPeriod.Monthly);
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
            // A goalless session refuses a goal: that 400 is one of the outcomes.
            var refused = await Record.ExceptionAsync(() => user.EditSessionAsync(id, new SessionChanges(DailyGoalMinutes: random.Next(5, 240))));
            Assert.True(refused is null || refused is FocusSyncValidationException { Status: HttpStatusCode.BadRequest }, refused?.ToString());
        }
        else if (roll < 93)
        {
            await user.ChangeSettingsAsync(new SettingsChanges(WeekStart: WeekDays[random.Next(7)]));
        }
        else if (roll < 95)
        {
            await user.ChangeSettingsAsync(new SettingsChanges(TimeZone: Zones[random.Next(Zones.Length)], ResetTime: $"{random.Next(24):00}:{random.Next(60):00}"));
        }
        else
        {
            await user.ResetAllAsync();
        }
    }

    private static async Task AssertConsistentAsync(UserClient user, AnalyticsPeriod period)
    {
        var coarse = await user.Api.GetAnalyticsAsync(period, new DateOnly(2026, 9, 1), new DateOnly(2026, 12, 1));
        var daily = await user.Api.GetAnalyticsAsync(AnalyticsPeriod.Daily, coarse.From, coarse.To);
        Assert.Equal(Ms(coarse.Summary.TotalSeconds), Ms(daily.Summary.TotalSeconds));
        foreach (var bucket in coarse.Buckets)
        {
            var days = daily.Buckets.Where(d => d.Start >= bucket.Start && d.Start <= bucket.End).ToList();
            var summed = days
                .SelectMany(d => d.Items)
                .GroupBy(i => i.SessionId)
                .ToDictionary(g => g.Key, g => (Ms: g.Sum(i => Ms(i.Seconds)), Goal: SumGoals(g)));
            var items = bucket.Items.ToDictionary(i => i.SessionId, i => (Ms: Ms(i.Seconds), Goal: i.GoalMinutes));
            Assert.Equal(summed.OrderBy(s => s.Key), items.OrderBy(s => s.Key));
            Assert.Equal(days.Sum(d => Ms(d.TotalSeconds)), Ms(bucket.TotalSeconds));
            foreach (var item in bucket.Items)
            {
                Assert.Equal<bool?>(item.GoalMinutes is { } goal ? Ms(item.Seconds) >= goal * 60_000L : null, item.GoalMet);
            }
        }
    }

    private static int? SumGoals(IEnumerable<AnalyticsItem> items) =>
        items.Select(i => i.GoalMinutes).Aggregate((int?)null, (sum, goal) => goal is null ? sum : (sum ?? 0) + goal);

    private static long Ms(double seconds) => (long)Math.Round(seconds * 1000);
}
