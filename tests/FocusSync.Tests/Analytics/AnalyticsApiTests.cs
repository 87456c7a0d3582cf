using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Analytics;

public sealed class AnalyticsApiTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task CsvExportQuotesAwkwardTitlesPerRfc4180(Db db)
    {
        var app = await apps.ForAsync(db);
        using var user = await UserClient.SignInAsync(app);
        var plain = await user.CreateSessionIdAsync("Plain", goalMinutes: 1);
        var comma = await user.CreateSessionIdAsync("Write, edit", goalMinutes: 2);
        var quote = await user.CreateSessionIdAsync("Say \"hi\"", goalMinutes: null);
        var lines = await user.CreateSessionIdAsync("Line one\nLine two", goalMinutes: 3);
        await user.StartAsync(quote);
        app.Clock.Advance(TimeSpan.FromMilliseconds(1500));
        await user.PauseAsync(quote);
        await user.StartAsync(plain);
        app.Clock.Advance(TimeSpan.FromSeconds(60));
        await user.PauseAsync(plain);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/analytics?period=monthly&from=2026-06-01&to=2026-06-30");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var response = await user.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var month = "2026-06-01,2026-06-30";
        Assert.Equal(
            "bucketStart,bucketEnd,sessionId,title,groupId,seconds,goalMinutes,goalMet,deleted\r\n"
            + $"{month},{plain},Plain,,60,1,true,false\r\n"
            + $"{month},{comma},\"Write, edit\",,0,2,false,false\r\n"
            + $"{month},{quote},\"Say \"\"hi\"\"\",,1.5,,,false\r\n"
            + $"{month},{lines},\"Line one\nLine two\",,0,3,false,false\r\n",
            await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AReportReadWhileAPauseCommitsCountsTheRunOnce(Db db)
    {
        var app = await apps.ForAsync(db);
        using var user = await UserClient.SignInAsync(app);
        var id = await user.CreateSessionIdAsync("Raced", goalMinutes: 60);
        for (var round = 1; round <= 30; round++)
        {
            await user.StartAsync(id);
            app.Clock.Advance(TimeSpan.FromSeconds(1));

            // The clock stands still: before and after the pause the run is one second, running or credited.
            var reports = Enumerable.Range(0, 6).Select(_ => user.ReportAsync(AnalyticsPeriod.Daily)).ToList();
            await Task.WhenAll([user.PauseAsync(id), .. reports]);

            foreach (var report in reports)
            {
                Assert.Equal(round, (await report).Buckets.Sum(b => b.TotalSeconds), 3);
            }
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheGroupFilterKeepsTheGroupsSessionsAndAnotherUsersGroupIsNotFound(Db db)
    {
        var app = await apps.ForAsync(db);
        using var user = await UserClient.SignInAsync(app);
        var group = await user.CreateGroupIdAsync("Work");
        var inGroup = await user.CreateSessionIdAsync("Report", goalMinutes: 5, groupId: group);
        var outside = await user.CreateSessionIdAsync("Guitar", goalMinutes: 5);
        await user.StartAsync(inGroup);
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        await user.StartAsync(outside);
        app.Clock.Advance(TimeSpan.FromMinutes(1));

        var report = await user.ReportAsync(AnalyticsPeriod.Daily, groupId: group);
        var items = report.Buckets.SelectMany(b => b.Items).ToList();
        Assert.All(items, i => Assert.Equal(inGroup, i.SessionId));
        Assert.Equal(120, report.Analytics.Summary.TotalSeconds);

        using var other = await UserClient.SignInAsync(app);
        var response = await other.GetAsync($"/analytics?groupId={group}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DefaultsAreTheLastSevenDaysEndingToday(Db db)
    {
        var app = await apps.ForAsync(db);
        using var user = await UserClient.SignInAsync(app);
        var today = DateOnly.Parse((await user.MeAsync()).CurrentDay, System.Globalization.CultureInfo.InvariantCulture);

        // No query at all, which the library never sends (it names the period): the defaults are the subject.
        var report = await user.GetAsync("/analytics", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("daily", report.Str("period"));
        Assert.Equal(
            Enumerable.Range(-6, 7).Select(d => today.AddDays(d).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            report.GetProperty("buckets").EnumerateArray().Select(b => b.Str("start")));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task BadQueriesAreProblemsNamingTheField(Db db)
    {
        var app = await apps.ForAsync(db);
        using var user = await UserClient.SignInAsync(app);
        (string Query, string Field)[] cases =
        [
            ("period=hourly", "period"),
            ("period=Daily", "period"),
            ("from=2026-13-01", "from"),
            ("from=2026-6-1", "from"),
            ("to=yesterday", "to"),
            ("from=2026-06-10&to=2026-06-01", "from"),
            ("from=2999-01-01", "from"),
            ("from=2025-01-01&to=2026-06-01", "to"),
            ("period=weekly&from=2000-01-01&to=2026-06-01", "to"),
            ("period=monthly&from=1990-01-01", "from"),
            ("groupId=abc", "groupId"),
            ("period=daily&period=weekly", "period"),
        ];
        foreach (var (query, field) in cases)
        {
            var response = await user.GetAsync("/analytics?" + query, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{query}: {problem}");
        }

        var fourHundred = await user.GetAsync("/analytics?from=2025-01-01&to=2026-02-04", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, fourHundred.StatusCode);
    }
}
