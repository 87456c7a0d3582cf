using System.Globalization;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Analytics;

public sealed class AnalyticsHistoryTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ARunAcrossTheUserDayBoundaryEndsOnTheOldDayAndARunningSessionCountsUpToNow(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 10, 23, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var id = await user.CreateSessionIdAsync("Write", goalMinutes: 30);

        user.At("2026-06-10T23:40");
        await user.StartAsync(id);
        user.At("2026-06-11T00:10");
        var afterMidnight = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-10", "2026-06-11");
        ItemAssert.Goal(afterMidnight.Item("2026-06-10", id), 1200, 30, false);
        ItemAssert.Goal(afterMidnight.Item("2026-06-11", id), 0, 30, false);

        await user.StartAsync(id);
        app.Clock.Advance(TimeSpan.FromMilliseconds((35 * 60_000) + 250));
        var running = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-10", "2026-06-11");
        ItemAssert.Goal(running.Item("2026-06-11", id), 2100.25, 30, true);
        Assert.Equal(2100.25, running.Bucket("2026-06-11").TotalSeconds);
        Assert.Equal(3300.25, running.Analytics.Summary.TotalSeconds);
        Assert.Equal(3300.25, running.SummaryOf(id).Seconds);
        Assert.Equal(1, running.SummaryOf(id).CurrentStreakDays);

        var monthly = await user.ReportAsync(AnalyticsPeriod.Monthly);
        ItemAssert.Goal(monthly.Item("2026-06-01", id), 3300.25, 60, false);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DaylightSavingDaysLastTwentyThreeAndTwentyFiveHoursInDailyAndWeeklyBuckets(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        // Each case: zone, the Friday before a DST Sunday, that Monday's week start, the Sunday's length.
        (string Zone, string Friday, string Sunday, string Monday, string WeekStart, double SundaySeconds)[] cases =
        [
            ("Europe/London", "2026-10-23", "2026-10-25", "2026-10-26", "2026-10-19", 90_000),
            ("America/New_York", "2026-10-30", "2026-11-01", "2026-11-02", "2026-10-26", 90_000),
            ("America/New_York", "2027-03-12", "2027-03-14", "2027-03-15", "2027-03-08", 82_800),
            ("Europe/London", "2027-03-26", "2027-03-28", "2027-03-29", "2027-03-22", 82_800),
        ];
        foreach (var (zone, friday, sunday, monday, weekStart, sundaySeconds) in cases)
        {
            app.Clock.SetUtcNow(DateTimeOffset.Parse(friday + "T00:00:00Z", CultureInfo.InvariantCulture).AddHours(-12));
            using var user = await UserClient.SignInAsync(app, new SettingsChanges(TimeZone: zone));
            var stopwatch = await user.CreateSessionIdAsync("Stopwatch", goalMinutes: null);
            var saturday = DateOnly.Parse(friday, CultureInfo.InvariantCulture).AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

            // Started at each user-day's first instant; every boundary pauses it, so each day is credited whole.
            foreach (var day in new[] { friday, saturday, sunday })
            {
                user.At(day + "T00:00");
                await user.StartAsync(stopwatch);
            }

            user.At(monday + "T00:00");
            var daily = await user.ReportAsync(AnalyticsPeriod.Daily, friday, monday);
            Assert.Equal(86_400, daily.Seconds(friday, stopwatch));
            Assert.Equal(86_400, daily.Seconds(saturday, stopwatch));
            Assert.Equal(sundaySeconds, daily.Seconds(sunday, stopwatch));
            Assert.Empty(daily.Bucket(monday).Items);
            Assert.Equal(zone, daily.Analytics.TimeZone);

            var weekly = await user.ReportAsync(AnalyticsPeriod.Weekly, sunday, monday);
            Assert.Equal([weekStart, monday], weekly.Starts);
            ItemAssert.Goal(weekly.Item(weekStart, stopwatch), 172_800 + sundaySeconds, null, null);
            Assert.Equal(sunday, weekly.Bucket(weekStart).End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AResetTimeOfFourMovesTimeBeforeFourOntoThePreviousDay(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 8, 12, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app, new SettingsChanges(ResetTime: "04:00"));
        var id = await user.CreateSessionIdAsync("Read", goalMinutes: 60);

        await user.RunAsync(id, "2026-06-10T02:00", 60);
        // Paused by the 04:00 boundary after 30 minutes; the pause at 04:15 finds it paused already.
        await user.RunAsync(id, "2026-06-10T03:30", 45);
        await user.RunAsync(id, "2026-06-10T05:00", 30);

        var report = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-09", "2026-06-10");
        ItemAssert.Goal(report.Item("2026-06-09", id), 3600 + 1800, 60, true);
        ItemAssert.Goal(report.Item("2026-06-10", id), 1800, 60, false);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WeeksStartOnTheUsersWeekStart(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 13, 8, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var id = await user.CreateSessionIdAsync("Practice", goalMinutes: 10);
        await user.RunAsync(id, "2026-06-13T09:00", 10);
        await user.RunAsync(id, "2026-06-14T09:00", 20);
        await user.RunAsync(id, "2026-06-15T09:00", 30);

        var monday = await user.ReportAsync(AnalyticsPeriod.Weekly, "2026-06-13", "2026-06-15");
        Assert.Equal(["2026-06-08", "2026-06-15"], monday.Starts);
        ItemAssert.Goal(monday.Item("2026-06-08", id), 1800, 20, true);
        ItemAssert.Goal(monday.Item("2026-06-15", id), 1800, 10, true);
        Assert.Equal("2026-06-21", monday.Analytics.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

        await user.ChangeSettingsAsync(new SettingsChanges(WeekStart: "sunday"));
        var sunday = await user.ReportAsync(AnalyticsPeriod.Weekly, "2026-06-13", "2026-06-15");
        Assert.Equal(["2026-06-07", "2026-06-14"], sunday.Starts);
        ItemAssert.Goal(sunday.Item("2026-06-07", id), 600, 10, true);
        ItemAssert.Goal(sunday.Item("2026-06-14", id), 3000, 20, true);

        var defaults = await user.ReportAsync(AnalyticsPeriod.Weekly);
        Assert.Equal("2026-04-26", defaults.Analytics.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal("2026-06-20", defaults.Analytics.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal(8, defaults.Buckets.Count);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task MonthsEndOnTheirLastDayIncludingALeapFebruary(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2028, 1, 31, 21, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var id = await user.CreateSessionIdAsync("Study", goalMinutes: 10);
        await user.RunAsync(id, "2028-01-31T22:00", 30);

        user.At("2028-02-29T23:50");
        await user.StartAsync(id);
        await user.RunAsync(id, "2028-03-01T00:20", 20);

        var monthly = await user.ReportAsync(AnalyticsPeriod.Monthly, "2028-01-15", "2028-03-01");
        Assert.Equal(["2028-01-01", "2028-02-01", "2028-03-01"], monthly.Starts);
        Assert.Equal(["2028-01-31", "2028-02-29", "2028-03-31"], monthly.Buckets.Select(b => b.End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        ItemAssert.Goal(monthly.Item("2028-01-01", id), 1800, 10, true);
        ItemAssert.Goal(monthly.Item("2028-02-01", id), 600, 290, false);
        ItemAssert.Goal(monthly.Item("2028-03-01", id), 1200, 10, true);

        var daily = await user.ReportAsync(AnalyticsPeriod.Daily, "2028-02-28", "2028-03-01");
        Assert.Equal(["2028-02-28", "2028-02-29", "2028-03-01"], daily.Starts);
        ItemAssert.Goal(daily.Item("2028-02-29", id), 600, 10, true);

        var defaults = await user.ReportAsync(AnalyticsPeriod.Monthly);
        Assert.Equal("2027-04-01", defaults.Analytics.From.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal("2028-03-31", defaults.Analytics.To.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Assert.Equal(12, defaults.Buckets.Count);
        Assert.Empty(defaults.Bucket("2027-04-01").Items);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DeletedSessionsKeepTheirTimeAndTitleButHaveNoGoalAfterDeletion(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var gone = await user.CreateSessionIdAsync("Old habit", goalMinutes: 20);
        var kept = await user.CreateSessionIdAsync("Keeper", goalMinutes: 20);
        user.At("2026-06-10T10:00");
        await user.StartAsync(gone);
        user.At("2026-06-10T10:25");
        await user.DeleteSessionAsync(gone);

        user.At("2026-06-11T12:00");
        var report = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-10", "2026-06-11");
        var item = report.Item("2026-06-10", gone);
        Assert.Equal("Old habit", item.Title);
        ItemAssert.Goal(item, 1500, 20, true);
        ItemAssert.Goal(report.Item("2026-06-10", kept), 0, 20, false);
        Assert.Null(Report.Item(report.Bucket("2026-06-11"), gone));
        ItemAssert.Goal(report.Item("2026-06-11", kept), 0, 20, false);
        Assert.Equal(1500, report.SummaryOf(gone).Seconds);
        Assert.True(item.Deleted);
        Assert.True(report.SummaryOf(gone).Deleted);
        Assert.False(report.Item("2026-06-10", kept).Deleted);
        // Like any missing today, the day after the deletion ends the streak only when it ends.
        Assert.Equal(1, report.SummaryOf(gone).CurrentStreakDays);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADeletedSessionsDaysWithoutTimeAreLeftOutOfTheReport(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var idle = await user.CreateSessionIdAsync("Never touched", goalMinutes: 295);
        var used = await user.CreateSessionIdAsync("Used once", goalMinutes: 30);
        await user.RunAsync(used, "2026-06-11T09:00", 10);
        user.At("2026-06-12T09:00");
        await user.DeleteSessionAsync(idle);
        await user.DeleteSessionAsync(used);

        user.At("2026-06-13T09:00");
        var report = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-10", "2026-06-13");

        Assert.All(report.Buckets, b => Assert.Null(Report.Item(b, idle)));
        Assert.Null(Report.Item(report.Bucket("2026-06-10"), used));
        Assert.True(report.Item("2026-06-11", used).Deleted);
        Assert.Equal([used], report.Analytics.Summary.Sessions.Select(s => s.SessionId));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task OnlyTheBucketHoldingTheUsersCurrentDayIsInProgress(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app, new SettingsChanges(TimeZone: "Asia/Tokyo"));

        // 08:00 UTC is 17:00 in Tokyo: the user's current day is the 10th, and the week of the 8th holds it.
        var daily = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-09", "2026-06-11");
        var weekly = await user.ReportAsync(AnalyticsPeriod.Weekly, "2026-06-01", "2026-06-14");

        Assert.Equal([false, true, false], daily.Buckets.Select(b => b.InProgress));
        Assert.Equal([false, true], weekly.Buckets.Select(b => b.InProgress));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task GoallessSessionsReportTimeWithNullGoalsAndOnlyOnDaysWithTime(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var id = await user.CreateSessionIdAsync("Free", goalMinutes: null);
        await user.RunAsync(id, "2026-06-10T09:00", 15.5);

        user.At("2026-06-12T09:00");
        var report = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-10", "2026-06-12");
        ItemAssert.Goal(report.Item("2026-06-10", id), 930, null, null);
        Assert.Empty(report.Bucket("2026-06-11").Items);
        Assert.Empty(report.Bucket("2026-06-12").Items);
        Assert.Null(report.SummaryOf(id).CurrentStreakDays);

        var weekly = await user.ReportAsync(AnalyticsPeriod.Weekly, "2026-06-10", "2026-06-10");
        ItemAssert.Goal(weekly.Item("2026-06-08", id), 930, null, null);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheDaysGoalIsTheLastOneSetThatDay(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 10, 8, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var id = await user.CreateSessionIdAsync("Write", goalMinutes: 30);
        await user.RunAsync(id, "2026-06-10T09:00", 20);
        await user.EditSessionAsync(id, new SessionChanges(DailyGoalMinutes: 15));
        user.At("2026-06-10T15:00");
        await user.EditSessionAsync(id, new SessionChanges(DailyGoalMinutes: 45));

        user.At("2026-06-11T09:00");
        var report = await user.ReportAsync(AnalyticsPeriod.Daily, "2026-06-10", "2026-06-11");
        ItemAssert.Goal(report.Item("2026-06-10", id), 1200, 45, false);
        ItemAssert.Goal(report.Item("2026-06-11", id), 0, 45, false);
        var weekly = await user.ReportAsync(AnalyticsPeriod.Weekly, "2026-06-10", "2026-06-11");
        ItemAssert.Goal(weekly.Item("2026-06-08", id), 1200, 90, false);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheStreakCountsConsecutiveMetDaysAndAnUnmetTodayDoesNotBreakIt(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        app.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero));
        using var user = await UserClient.SignInAsync(app);
        var id = await user.CreateSessionIdAsync("Run", goalMinutes: 10);
        // Met on June 1-2, missed on June 3, met on each of the 37 days from June 4 to July 10: longer than the first look-back.
        var day = new DateOnly(2026, 6, 1);
        for (; day < new DateOnly(2026, 7, 11); day = day.AddDays(1))
        {
            if (day != new DateOnly(2026, 6, 3))
            {
                await user.RunAsync(id, $"{day:yyyy-MM-dd}T09:00", 10);
            }
        }

        user.At("2026-07-11T08:00");
        var unmetToday = await user.ReportAsync(AnalyticsPeriod.Daily);
        Assert.Equal(37, unmetToday.SummaryOf(id).CurrentStreakDays);

        user.At("2026-07-11T09:00");
        await user.StartAsync(id);
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(38, (await user.ReportAsync(AnalyticsPeriod.Daily)).SummaryOf(id).CurrentStreakDays);

        await user.PauseAsync(id);
        user.At("2026-07-13T09:00");
        Assert.Equal(0, (await user.ReportAsync(AnalyticsPeriod.Daily)).SummaryOf(id).CurrentStreakDays);
    }
}

internal static class ItemAssert
{
    public static void Goal(AnalyticsItem item, double seconds, int? goalMinutes, bool? goalMet) =>
        Assert.Equal((seconds, goalMinutes, goalMet), (item.Seconds, item.GoalMinutes, item.GoalMet));
}
