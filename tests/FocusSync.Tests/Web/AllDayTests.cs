using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FocusSync.Tests.Web;

/// <summary>The web app as a person keeps it open all day: the things that got in the way, each fixed.</summary>
public sealed class AllDayTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions WithinASecond = new() { Timeout = 1000 };

    [Fact]
    public async Task AStaleWindowFollowsAnotherWindowsSettingsAndSavesOnlyWhatItTouched()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var name = TimersPage.UniqueName("hana");
        var first = await chromium.SignInAsync(server, name);
        var second = await chromium.SignInAsync(server, name);
        foreach (var window in new[] { first, second })
        {
            await window.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        }

        await first.GetByLabel("Time zone").FillAsync("Asia/Tokyo");
        await first.GetByLabel("Day starts at").FillAsync("23:40");
        await first.Button("Save settings").ClickAsync();
        await Expect(first.Locator("#settings-saved")).ToHaveTextAsync("Saved.");
        await Expect(first.Locator("#next-reset")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Next reset: (today|tomorrow) 23:40 \(Asia/Tokyo\)$"));

        // The second window was open all along: its form follows, and its save sends only the week start.
        await Expect(second.GetByLabel("Time zone")).ToHaveValueAsync("Asia/Tokyo");
        await Expect(second.GetByLabel("Day starts at")).ToHaveValueAsync("23:40");
        await second.GetByLabel("Week starts on").SelectOptionAsync("sunday");
        var sent = second.WaitForRequestAsync(r => r.Method == "PATCH" && r.Url.EndsWith("/me", StringComparison.Ordinal));
        await second.Button("Save settings").ClickAsync();
        Assert.Equal("""{"weekStart":"sunday"}""", (await sent).PostData);
        await Expect(second.Locator("#settings-saved")).ToHaveTextAsync("Saved.");

        using var api = server.ClientFor(await TimersPage.UidAsync(first));
        var me = await api.GetFromJsonAsync<JsonElement>("/me", TestContext.Current.CancellationToken);
        Assert.Equal(("Asia/Tokyo", "23:40", "sunday"), (me.Str("timeZone"), me.Str("resetTime"), me.Str("weekStart")));
    }

    [Fact]
    public async Task TheTabTitleAndIconShowTheRunningTimerAndThenItsCompletionWithAWayToStartAgain()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("ivan"));
        await page.AddSessionAsync("Deep work", "0:03", 30);
        await Expect(page).ToHaveTitleAsync("FocusSync");
        await Expect(page.Card("Deep work").Locator("[data-role=status]")).ToHaveTextAsync("Ready");

        await page.Button("Start Deep work").ClickAsync();
        await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex(@"^▶ 00:0[1-3] Deep work$"), new() { Timeout = 1000 });
        Assert.StartsWith("data:image/svg+xml", await page.Locator("#favicon").GetAttributeAsync("href"), StringComparison.Ordinal);

        await Expect(page).ToHaveTitleAsync("✓ Deep work", new() { Timeout = 6000 });
        var done = page.Toast("“Deep work” is complete.");
        await Expect(done).ToBeVisibleAsync();
        await done.GetByRole(AriaRole.Button, new() { Name = "Start again" }).ClickAsync();
        await Expect(page.Card("Deep work")).ToHaveAttributeAsync("data-state", "running", WithinASecond);
    }

    [Fact]
    public async Task ACountdownReadsItsFullLengthWhenStartedAndANeverStartedOneSaysReady()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("jon"));
        await page.AddSessionAsync("Write", "25:00", 60);
        var card = page.Card("Write");
        await Expect(card.Locator("[data-role=status]")).ToHaveTextAsync("Ready");

        // In its first second a started countdown is a fraction below 25:00, and reads 25:00 rounded up.
        await page.Button("Start Write").ClickAsync();
        await Expect(card).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        await Expect(card.Locator("[data-role=time]")).ToHaveTextAsync("25:00");
        await page.Button("Pause Write").ClickAsync();
        await Expect(card.Locator("[data-role=status]")).ToHaveTextAsync("Paused");
    }

    [Fact]
    public async Task StartingASecondTimerSaysWhichOneItPaused()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("kim"));
        await page.AddSessionAsync("Reading", "25:00", 30);
        await page.AddSessionAsync("Writing", "25:00", 30);

        await page.Button("Start Reading").ClickAsync();
        await Expect(page.Card("Reading")).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        await page.Button("Start Writing").ClickAsync();

        await Expect(page.Toast("Paused Reading")).ToBeVisibleAsync(new() { Timeout = 1000 });
        await Expect(page.Card("Reading")).ToHaveAttributeAsync("data-state", "paused");
    }

    [Fact]
    public async Task KeyboardShortcutsStartAndPauseTheFocusedSessionAddOneAndListThemselves()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("lea"));
        await page.AddSessionAsync("Focus", "25:00", 30);
        var card = page.Card("Focus");

        await card.FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(card).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        // However often the card was drawn again meanwhile (its id included, once the service answered its creation), it keeps the focus.
        await Expect(card).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Space");
        await Expect(card).ToHaveAttributeAsync("data-state", "paused", WithinASecond);

        await page.Keyboard.PressAsync("n");
        await Expect(page.Locator("#session-dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#session-dialog")).ToBeHiddenAsync();
        await page.Keyboard.PressAsync("Shift+Slash");
        await Expect(page.Locator("#shortcuts-dialog")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task TickingAnnouncesNothingAndAStateChangeIsAnnouncedOnce()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("max"));
        await page.AddSessionAsync("Quiet", "25:00", 30);
        await page.Button("Start Quiet").ClickAsync();
        await Expect(page.Card("Quiet")).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        await page.EvaluateAsync(
            """
            () => {
              window.announced = [];
              for (const region of document.querySelectorAll('[aria-live]')) {
                new MutationObserver(() => window.announced.push(region.id + ':' + region.textContent))
                  .observe(region, { childList: true, characterData: true, subtree: true });
              }
            }
            """);

        await page.WaitForTimeoutAsync(2000);
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.announced.filter(a => a.length > 'announcer:'.length)"));
        Assert.Equal(0, await page.Locator("#session-list[aria-live], #session-list [aria-live]").CountAsync());

        await page.Button("Pause Quiet").ClickAsync();
        await Expect(page.Locator("#announcer")).ToHaveTextAsync("Quiet: Paused");
    }

    [Fact]
    public async Task OnAPhoneTheButtonsAreTouchSizedAndSeveralCardsFitOnTheScreen()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("nia"), ChromiumBrowser.Phone);
        foreach (var title in new[] { "One", "Two", "Three", "Four" })
        {
            await page.AddSessionAsync(title, "25:00", 30);
        }

        var heights = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('.card button')].map(b => b.getBoundingClientRect().height)");
        Assert.All(heights, h => Assert.True(h >= 44, $"a button {h} px tall"));
        var bottoms = await page.EvaluateAsync<double[]>("() => [...document.querySelectorAll('.card')].map(c => c.getBoundingClientRect().bottom)");
        Assert.True(bottoms.Count(b => b <= ChromiumBrowser.Phone.Height) >= 3, $"cards end at {string.Join(", ", bottoms)}");

        await page.Button("Add session").ClickAsync();
        var box = await page.Locator("#session-nogoal").BoundingBoxAsync();
        Assert.True(box is { Height: >= 24 }, "the checkbox is too small to tap");
        Assert.Equal("text", await page.Locator("#session-duration").GetAttributeAsync("inputmode"));
    }

    [Fact]
    public async Task ADeleteAndAResetOfARunningTimerCanBeUndoneAndOtherwiseHappenAtTheInstantPressed()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("omar"));
        using var api = server.ClientFor(await TimersPage.UidAsync(page));
        await page.AddSessionAsync("Keep me", "25:00", 30);
        await page.AddSessionAsync("Drop me", "25:00", 30);

        await page.Button("Delete Keep me").ClickAsync();
        await Expect(page.Card("Keep me")).ToHaveCountAsync(0);
        await page.Toast("Deleted “Keep me”").GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(page.Card("Keep me")).ToBeVisibleAsync();

        await page.Button("Start Keep me").ClickAsync();
        await Expect(page.Card("Keep me")).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        await page.Button("Reset Keep me").ClickAsync();
        await Expect(page.Card("Keep me")).ToHaveAttributeAsync("data-state", "ready");
        await page.Toast("Reset “Keep me”").GetByRole(AriaRole.Button, new() { Name = "Undo" }).ClickAsync();
        await Expect(page.Card("Keep me")).ToHaveAttributeAsync("data-state", "running");

        // Left alone, a delete goes out when its undo window ends, dated when it was pressed (through /sync, as every
        // action of the offline-first page does).
        var deleted = page.WaitForResponseAsync(
            r => r.Request.Method == "POST" && r.Url.EndsWith("/sync", StringComparison.Ordinal) && r.Request.PostData!.Contains("\"delete\"", StringComparison.Ordinal),
            new() { Timeout = 10_000 });
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await page.Button("Delete Drop me").ClickAsync();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var response = await deleted;
        var sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var result = (await response.JsonAsync())!.Value.GetProperty("results")[0];
        Assert.Equal(204, result.GetProperty("status").GetInt32());
        var operation = JsonDocument.Parse(response.Request.PostData!).RootElement.GetProperty("operations")[0];
        Assert.Equal("delete", operation.Str("kind"));
        var at = operation.GetProperty("at").GetInt64();
        // The page's estimate of the server's clock may be off by the few milliseconds of one loopback round trip.
        Assert.InRange(at, before - 250, after + 250);
        Assert.True(sentAt - before >= 4500, $"sent {sentAt - before} ms after the press");

        await Expect(page.Card("Drop me")).ToHaveCountAsync(0);
        var list = await api.GetFromJsonAsync<JsonElement>("/sessions", TestContext.Current.CancellationToken);
        Assert.Equal(["Keep me"], list.GetProperty("sessions").EnumerateArray().Select(s => s.Str("title")));
        Assert.Equal("RUNNING", list.GetProperty("sessions")[0].Str("state"));
    }

    [Fact]
    public async Task EditingASessionDeletedOnAnotherDeviceSaysSoInPlainWords()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("pia"));
        using var api = server.ClientFor(await TimersPage.UidAsync(page));
        await page.AddSessionAsync("Vanishing", "25:00", 30);
        await page.Button("Edit Vanishing").ClickAsync();
        var id = (await api.GetFromJsonAsync<JsonElement>("/sessions", TestContext.Current.CancellationToken)).GetProperty("sessions")[0].Id();
        (await api.DeleteAsync($"/sessions/{id}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        var dialog = page.Locator("#session-dialog");
        await dialog.GetByLabel("Title").FillAsync("Renamed");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#session-error")).ToHaveTextAsync("That was deleted, maybe on another device. The list now shows what is left.");
    }

    [Fact]
    public async Task AnalyticsShowsTheServersReasonForABadRangeClearsTheOldChartAndAppliesQuickRangesAtOnce()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("quinn"));
        await page.AddSessionAsync("Study", "25:00", 30);
        await page.GetByRole(AriaRole.Link, new() { Name = "Analytics" }).ClickAsync();
        await page.WaitForFunctionAsync("() => Chart.getChart('analytics-chart') !== undefined");

        await page.Locator("#analytics-from").FillAsync("2026-06-20");
        await page.Locator("#analytics-to").FillAsync("2026-06-10");
        await page.Locator("#analytics-to").DispatchEventAsync("change");
        await Expect(page.Locator("#analytics-error")).ToContainTextAsync("From ");
        Assert.True(await page.EvaluateAsync<bool>("() => Chart.getChart('analytics-chart') === undefined"), "the old chart is still shown");
        await Expect(page.Locator("#analytics-total")).ToHaveTextAsync("");

        await page.GetByRole(AriaRole.Button, new() { Name = "Last 30 days" }).ClickAsync();
        await page.WaitForFunctionAsync("() => Chart.getChart('analytics-chart')?.data.labels.length === 30");
        await Expect(page.Locator("#analytics-error")).ToBeHiddenAsync();
        await page.Locator("#analytics-period").SelectOptionAsync("monthly");
        await page.WaitForFunctionAsync("() => Chart.getChart('analytics-chart')?.data.labels.length === 12");
    }

    [Fact]
    public async Task DarkModeFollowsTheSystemAndThePageLoadsWithoutA404()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var context = await chromium.Browser.NewContextAsync(new() { BaseURL = server.Address.ToString(), ColorScheme = ColorScheme.Dark });
        var page = await context.NewPageAsync();
        var missing = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status == 404)
            {
                missing.Add(response.Url);
            }
        };
        await page.GotoAsync("/");
        await Expect(page.Locator("#dev-name")).ToBeFocusedAsync();
        await Expect(page.Locator("#connection")).ToBeHiddenAsync();

        await page.Locator("#dev-name").FillAsync(TimersPage.UniqueName("ria"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 10_000 });
        await page.AddSessionAsync("At night", "25:00", 30);
        var background = await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor");
        Assert.Equal("rgb(15, 17, 21)", background);
        Assert.Empty(missing);
        await Screenshots.SaveAsync(page, "timers-dark");
        await context.CloseAsync();
    }
}
