using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Api.Auth;
using FocusSync.Api.Data;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FocusSync.Tests.Web;

/// <summary>The web client in Debian's Chromium against the service on Kestrel.</summary>
public sealed class WebClientTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions WithinASecond = new() { Timeout = 1000 };

    [Fact]
    public async Task ChangesInOneTabAppearInTheOtherTabOfTheSameUserWithinASecondAndNowhereElse()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var alice = TimersPage.UniqueName("alice");
        var tab = await chromium.SignInAsync(server, alice);
        var otherTab = await chromium.SignInAsync(server, alice);
        var stranger = await chromium.SignInAsync(server, TimersPage.UniqueName("bob"));

        await tab.AddSessionAsync("Write the report", "25:00", 60);
        var mirrored = otherTab.Card("Write the report");
        await Expect(mirrored).ToBeVisibleAsync(new() { Timeout = 1000 });

        await tab.Button("Start Write the report").ClickAsync();
        await Expect(mirrored).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        await Expect(stranger.Cards()).ToHaveCountAsync(0);

        await tab.Button("Pause Write the report").ClickAsync();
        await Expect(mirrored).ToHaveAttributeAsync("data-state", "paused", WithinASecond);

        await tab.EditTitleAsync("Write the report", "Write the summary");
        await Expect(otherTab.Card("Write the summary")).ToBeVisibleAsync(new() { Timeout = 1000 });
        await Expect(stranger.Cards()).ToHaveCountAsync(0);

        await tab.DeleteAsync("Write the summary");
        await Expect(otherTab.Cards()).ToHaveCountAsync(0, new() { Timeout = 1000 });

        // The stranger's own list, read afresh, is as empty as the page shows.
        using var strangerApi = server.ClientFor(await TimersPage.UidAsync(stranger));
        var list = await strangerApi.GetFromJsonAsync<JsonElement>("/sessions", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, list.GetProperty("sessions").GetArrayLength());
        await Expect(stranger.Cards()).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ACountdownThatReachesZeroShowsCompletedWithoutAReload()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("carol"));
        await page.EvaluateAsync("() => { window.notReloaded = true; }");

        await page.AddSessionAsync("Two seconds", "0:02", 1);
        await page.Button("Start Two seconds").ClickAsync();
        var card = page.Card("Two seconds");
        await Expect(card).ToHaveAttributeAsync("data-state", "running", WithinASecond);

        // The real clock runs the countdown: wait for the page to show it, never sleep.
        await Expect(card).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 5000 });
        await Expect(card.Locator("[data-role=status]")).ToHaveTextAsync("Completed");
        await Expect(card.Locator("[data-role=time]")).ToHaveTextAsync("00:00");
        Assert.True(await page.EvaluateAsync<bool>("() => window.notReloaded === true"));

        // And the server agrees, so the page keeps showing it after its next read.
        using var api = server.ClientFor(await TimersPage.UidAsync(page));
        var session = (await api.GetFromJsonAsync<JsonElement>("/sessions", cancellationToken: TestContext.Current.CancellationToken)).GetProperty("sessions")[0];
        Assert.True(session.GetProperty("isCompleted").GetBoolean());
        Assert.Equal(2.0, session.GetProperty("focusSeconds").GetDouble(), 3);
    }

    [Fact]
    public async Task TheAnalyticsChartShowsTheTotalsOfTheReport()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var name = TimersPage.UniqueName("dana");
        var page = await chromium.SignInAsync(server, name);
        using var api = server.ClientFor(await TimersPage.UidAsync(page));
        (await api.PatchAsJsonAsync("/me", new { singleRunning = false }, cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        await page.AddGroupAsync("Deep work");
        await page.AddSessionAsync("Write the report", "0:02", 30, group: "Deep work");
        await page.AddSessionAsync("Read papers", "0:01", 20, group: "Deep work");
        await page.AddSessionAsync("Plan the week", "25:00", 15);
        await page.AddStopwatchAsync("Email");
        await page.Button("Start Write the report").ClickAsync();
        await page.Button("Start Read papers").ClickAsync();
        await Expect(page.Card("Write the report")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 5000 });
        await Expect(page.Card("Read papers")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 5000 });
        await page.Button("Start Plan the week").ClickAsync();
        await Expect(page.Card("Plan the week")).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        await Screenshots.SaveAsync(page, "timers");
        await page.Button("Pause Plan the week").ClickAsync();
        await Expect(page.Card("Plan the week")).ToHaveAttributeAsync("data-state", "paused", WithinASecond);
        await SeedHistoryAsync(server, api, days: 40);

        await page.GetByRole(AriaRole.Link, new() { Name = "Analytics" }).ClickAsync();
        foreach (var period in new[] { "daily", "weekly", "monthly" })
        {
            await page.Locator("#analytics-period").SelectOptionAsync(period);
            var report = await api.GetFromJsonAsync<JsonElement>($"/analytics?period={period}", cancellationToken: TestContext.Current.CancellationToken);
            var buckets = report.GetProperty("buckets").EnumerateArray().ToList();
            await page.WaitForFunctionAsync(
                "n => Chart.getChart('analytics-chart')?.data.labels.length === n", buckets.Count);

            var drawn = await page.EvaluateAsync<double[]>(
                """
                () => {
                  const chart = Chart.getChart('analytics-chart');
                  const bars = chart.data.datasets.filter(d => d.type === 'bar');
                  return chart.data.labels.map((_, i) => bars.reduce((sum, d) => sum + d.data[i], 0));
                }
                """);
            Assert.Equal(buckets.Count, drawn.Length);
            for (var i = 0; i < buckets.Count; i++)
            {
                Assert.Equal(buckets[i].GetProperty("totalSeconds").GetDouble() / 60, drawn[i], 6);
            }

            Assert.True(buckets.Count(b => b.GetProperty("totalSeconds").GetDouble() > 0) >= 2, $"{period}: too few buckets with time");
            if (period == "daily")
            {
                await Screenshots.SaveAsync(page, "analytics");
            }
        }
    }

    [Fact]
    public async Task TheGoalLineLeavesOutDeletedSessionsAndTodaysUnmetGoalIsNotCountedAsMissed()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("ivy"));
        using var api = server.ClientFor(await TimersPage.UidAsync(page));
        var kept = await api.PostAsJsonAsync("/sessions", new { title = "Kept", initialDuration = 1500, dailyGoalMinutes = 30 }, TestContext.Current.CancellationToken);
        var gone = await (await api.PostAsJsonAsync("/sessions", new { title = "Gone", initialDuration = 1500, dailyGoalMinutes = 295 }, TestContext.Current.CancellationToken))
            .Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        kept.EnsureSuccessStatusCode();
        (await api.DeleteAsync($"/sessions/{gone.GetProperty("id").GetInt64()}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        await page.GetByRole(AriaRole.Link, new() { Name = "Analytics" }).ClickAsync();
        await page.Locator("#analytics-period").SelectOptionAsync("daily");
        await Expect(page.Locator("#analytics-sessions tbody tr")).ToHaveCountAsync(1);

        var today = await page.EvaluateAsync<double?>(
            "() => { const line = Chart.getChart('analytics-chart').data.datasets.find(d => d.type === 'line'); return line.data.at(-1); }");
        Assert.Equal(30, today);
        var row = page.Locator("#analytics-sessions tbody tr");
        await Expect(row.Locator("th")).ToHaveTextAsync("Kept");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("—");
    }

    [Fact]
    public async Task SettingsSavedInOneTabReachTheServerAndTheOtherTab()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var name = TimersPage.UniqueName("fay");
        var tab = await chromium.SignInAsync(server, name);
        var otherTab = await chromium.SignInAsync(server, name);

        await tab.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await tab.GetByLabel("Time zone").FillAsync("Europe/Berlin");
        await tab.GetByLabel("Day starts at").FillAsync("04:30");
        await tab.GetByLabel("Week starts on").SelectOptionAsync("sunday");
        await tab.GetByLabel("Only one timer runs at a time").UncheckAsync();
        await tab.Button("Save settings").ClickAsync();
        await Expect(tab.Locator("#settings-saved")).ToHaveTextAsync("Saved.");
        await Screenshots.SaveAsync(tab, "settings");

        using var api = server.ClientFor(await TimersPage.UidAsync(tab));
        var me = await api.GetFromJsonAsync<JsonElement>("/me", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("Europe/Berlin", me.GetProperty("timeZone").GetString());
        Assert.Equal("04:30", me.GetProperty("resetTime").GetString());
        Assert.Equal("sunday", me.GetProperty("weekStart").GetString());
        Assert.False(me.GetProperty("singleRunning").GetBoolean());

        await otherTab.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        await Expect(otherTab.GetByLabel("Day starts at")).ToHaveValueAsync("04:30");
        await Expect(otherTab.GetByLabel("Week starts on")).ToHaveValueAsync("sunday");
    }

    [Fact]
    public async Task AfterTheServerRestartsThePageReconnectsAndShowsTheRightState()
    {
        await using var database = await TestDatabase.CreateAsync(Db.Sqlite);
        var server = FocusSyncApp.Start(database, AppOptions.Browser);
        FocusSyncApp? restarted = null;
        try
        {
            var page = await chromium.SignInAsync(server, TimersPage.UniqueName("erin"));
            await page.AddSyncedSessionAsync("Survives restarts", "25:00", 60);
            // The start is shown at once and sent through the page's queue: the service must have it before it stops.
            var started = page.WaitForResponseAsync(r => new Uri(r.Url).AbsolutePath == "/sync");
            await page.Button("Start Survives restarts").ClickAsync();
            var card = page.Card("Survives restarts");
            await Expect(card).ToHaveAttributeAsync("data-state", "running", WithinASecond);
            Assert.Equal(200, (await started).Status);

            await server.DisposeAsync();
            await Expect(page.Locator("#connection")).Not.ToHaveTextAsync("Live", new() { Timeout = 10_000 });

            restarted = FocusSyncApp.Start(database, AppOptions.Browser with { Port = server.Address.Port });
            // A change the page may miss while it is still reconnecting: the resync must bring it.
            using var api = restarted.ClientFor(await TimersPage.UidAsync(page));
            var id = (await api.GetFromJsonAsync<JsonElement>("/sessions", cancellationToken: TestContext.Current.CancellationToken)).GetProperty("sessions")[0].GetProperty("id").GetInt64();
            (await api.PostAsync($"/sessions/{id}/actions/pause", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

            await Expect(page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 15_000 });
            await Expect(card).ToHaveAttributeAsync("data-state", "paused", new() { Timeout = 5000 });

            // And live updates flow again after the reconnect.
            (await api.PostAsync($"/sessions/{id}/actions/start", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            await Expect(card).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        }
        finally
        {
            if (restarted is not null)
            {
                await restarted.DisposeAsync();
            }

            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task ATabOverTheConnectionCapSaysSoAndStopsRetrying()
    {
        await using var server = await FocusSyncApp.StartAsync(
            Db.Sqlite, AppOptions.Browser with { Settings = new Dictionary<string, string?> { ["Realtime:MaxConnectionsPerUser"] = "1" } });
        var name = TimersPage.UniqueName("frank");
        var first = await chromium.SignInAsync(server, name);

        var second = await chromium.SignInAsync(server, name, waitUntilLive: false);

        await Expect(second.Locator("#connection")).ToHaveAttributeAsync("data-state", "full", new() { Timeout = 5000 });
        // A retry would show "connecting" again within its first back-off of half a second.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        await Expect(second.Locator("#connection")).ToHaveAttributeAsync("data-state", "full", new() { Timeout = 100 });
        await Expect(first.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 100 });
    }

    [Fact]
    public async Task WhenTheServerClosesForTokenExpiryThePageReconnectsWithAFreshTokenWithoutShowingIt()
    {
        // A fake clock on the server, so that the test moves it past the token's hour instead of waiting for it.
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser with { RealClock = false });
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("gina"));
        await page.AddSessionAsync("Outlives the token", "25:00", 60);
        await page.EvaluateAsync(
            """
            () => {
              const badge = document.getElementById('connection');
              window.shown = [];
              new MutationObserver(() => window.shown.push(badge.dataset.state)).observe(badge, { attributes: true, childList: true });
            }
            """);
        var negotiations = new ConcurrentQueue<IRequest>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/hubs/sessions/negotiate", StringComparison.Ordinal))
            {
                negotiations.Enqueue(request);
            }
        };

        // After a reconnect the page reads the change feed from its seq; from then on the new connection hears events.
        var resynced = page.WaitForResponseAsync(r => r.Request.Method == "GET" && new Uri(r.Url).AbsolutePath == "/changes", new() { Timeout = 10_000 });
        server.Clock.Advance(DevTokenIssuer.Lifetime + AuthExtensions.ClockSkew);
        await resynced;

        var reconnect = Assert.Single(negotiations);
        var token = (await reconnect.AllHeadersAsync())["authorization"]["Bearer ".Length..];
        Assert.Equal(server.Clock.GetUtcNow().ToUnixTimeSeconds(), (long)TestTokens.Decode(token).Payload["iat"]!);
        Assert.All(await page.EvaluateAsync<string[]>("() => window.shown"), state => Assert.Equal("live", state));
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 100 });

        using var api = server.ClientFor(await TimersPage.UidAsync(page));
        var id = (await api.GetFromJsonAsync<JsonElement>("/sessions", cancellationToken: TestContext.Current.CancellationToken)).GetProperty("sessions")[0].GetProperty("id").GetInt64();
        (await api.PostAsync($"/sessions/{id}/actions/start", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        await Expect(page.Card("Outlives the token")).ToHaveAttributeAsync("data-state", "running", WithinASecond);
    }

    /// <summary>
    /// Weeks of past time for the user's sessions, written to the database as the due-work job would have
    /// credited it, so that the chart has days, weeks and months to draw.
    /// </summary>
    private static async Task SeedHistoryAsync(FocusSyncApp server, HttpClient api, int days)
    {
        var me = await api.GetFromJsonAsync<JsonElement>("/me");
        var today = DateOnly.Parse(me.GetProperty("currentDay").GetString()!, CultureInfo.InvariantCulture);
        var sessions = (await api.GetFromJsonAsync<JsonElement>("/sessions")).GetProperty("sessions").EnumerateArray().ToList();
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FocusSyncDb>();
        for (var day = 1; day <= days; day++)
        {
            for (var i = 0; i < sessions.Count; i++)
            {
                var goal = sessions[i].GetProperty("dailyGoalMinutes") is { ValueKind: JsonValueKind.Number } g ? g.GetInt32() : (int?)null;
                var share = 0.4 + ((day * 37) + (i * 17)) % 80 / 100.0; // 40 % to 119 % of the goal
                db.TaskDailyTimes.Add(new TaskDailyTime
                {
                    UserId = me.GetProperty("id").GetString()!,
                    SessionId = sessions[i].GetProperty("id").GetInt64(),
                    Date = today.AddDays(-day),
                    MsSpent = (long)((goal ?? 20) * share * 60_000),
                    GoalMinutes = goal,
                });
            }
        }

        await db.SaveChangesAsync();
    }
}
