using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FocusSync.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FocusSync.Tests.Web;

/// <summary>
/// The web app offline: installable, opened from its service worker's copy, every timer action applied at once and
/// queued, and what was queued sent, credited as it happened, once the network is back.
/// </summary>
public sealed class OfflineWebTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions WithinASecond = new() { Timeout = 1000 };
    private static readonly LocatorAssertionsToHaveTextOptions Soon = new() { Timeout = 10_000 };

    [Fact]
    public async Task ARunMadeOfflineIsCreditedAsRunAndAnotherDeviceOnlineThroughoutThenShowsTheSameState()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var name = TimersPage.UniqueName("olga");
        var offline = await chromium.SignInAsync(server, name);
        var online = await chromium.SignInAsync(server, name);
        await offline.AddSessionAsync("Offline run", "25:00", 30);
        await Expect(online.Card("Offline run")).ToBeVisibleAsync(new() { Timeout = 1000 });
        await SentAsync(offline, name);
        var badge = offline.Locator("#connection");
        var card = offline.Card("Offline run");

        await offline.Context.SetOfflineAsync(true);
        await Expect(badge).ToHaveTextAsync("Offline");
        var beforeStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await offline.Button("Start Offline run").ClickAsync();
        var afterStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Expect(card).ToHaveAttributeAsync("data-state", "running", WithinASecond);
        await Expect(badge).ToHaveTextAsync("Offline: 1 change waiting");
        // The real clock runs the offline run for two seconds: wait for the page to show it, never sleep.
        await Expect(card.Locator("[data-role=time]")).ToHaveTextAsync("24:58", new() { Timeout = 5000 });
        var beforePause = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await offline.Button("Pause Offline run").ClickAsync();
        var afterPause = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Expect(card).ToHaveAttributeAsync("data-state", "paused", WithinASecond);
        await Expect(badge).ToHaveTextAsync("Offline: 2 changes waiting");
        await Screenshots.SaveAsync(offline, "timers-offline");
        var queued = await QueuedAsync(offline, name);
        Assert.Equal(["start", "pause"], queued.Select(o => o.Kind));
        await Expect(online.Card("Offline run")).ToHaveAttributeAsync("data-state", "ready");

        await offline.Context.SetOfflineAsync(false);

        await Expect(badge).ToHaveTextAsync("Synced", Soon);
        var mirrored = online.Card("Offline run");
        await Expect(mirrored).ToHaveAttributeAsync("data-state", "paused", new() { Timeout = 5000 });
        foreach (var role in new[] { "time", "goal-text" })
        {
            await Expect(mirrored.Locator($"[data-role={role}]")).ToHaveTextAsync(await card.Locator($"[data-role={role}]").TextContentAsync() ?? "");
        }

        using var api = server.ClientFor(name.ToLowerInvariant());
        var session = (await api.GetFromJsonAsync<JsonElement>("/sessions", TestContext.Current.CancellationToken)).GetProperty("sessions")[0];
        var credited = session.GetProperty("focusSeconds").GetDouble();
        var run = (queued[1].At - queued[0].At) / 1000.0;
        Assert.True(Math.Abs(credited - run) <= 0.1, $"credited {credited} s for an offline run of {run} s");
        // The run the page recorded is the one the test saw, give or take one loopback round trip of the clock estimate.
        Assert.InRange(run, (beforePause - afterStart - 250) / 1000.0, (afterPause - beforeStart + 250) / 1000.0);
    }

    [Fact]
    public async Task APageThatSleptThroughAnotherPagesStopAndRestartShowsTheNewRunNotItsOwnStaleOne()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var name = TimersPage.UniqueName("sam");
        var awake = await chromium.SignInAsync(server, name);
        var sleeper = await chromium.SignInAsync(server, name);
        await awake.AddSessionAsync("Shared", "25:00", 30);
        await awake.Button("Start Shared").ClickAsync();
        await Expect(sleeper.Card("Shared")).ToHaveAttributeAsync("data-state", "running", new() { Timeout = 2000 });

        // Frozen as Chrome freezes a background tab or a sleeping laptop's: no timer, no task, no event runs; and
        // its network is gone, as a sleeping laptop's is.
        var cdp = await sleeper.Context.NewCDPSessionAsync(sleeper);
        await cdp.SendAsync("Page.setWebLifecycleState", new Dictionary<string, object> { ["state"] = "frozen" });
        await sleeper.Context.SetOfflineAsync(true);
        var awakeCard = awake.Card("Shared");
        await Expect(awakeCard.Locator("[data-role=time]")).ToHaveTextAsync("24:56", new() { Timeout = 6000 });
        await awake.Button("Pause Shared").ClickAsync();
        await awake.Button("Reset Shared").ClickAsync();
        await awake.Button("Start Shared").ClickAsync();
        await Expect(awakeCard).ToHaveAttributeAsync("data-state", "running", WithinASecond);

        await sleeper.Context.SetOfflineAsync(false);
        await cdp.SendAsync("Page.setWebLifecycleState", new Dictionary<string, object> { ["state"] = "active" });

        // The new run began at most a second or two ago; the stale one would read 24:56 or less.
        var card = sleeper.Card("Shared");
        await Expect(card.Locator("[data-role=time]")).ToHaveTextAsync(new Regex("^2(5:00|4:59|4:58)$"), new() { Timeout = 2000 });
        await Expect(card).ToHaveAttributeAsync("data-state", "running");
        await Expect(sleeper.Toast("is complete")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task APageReloadedOfflineWithChangesQueuedShowsThemAndLosesNoneOfThem()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var name = TimersPage.UniqueName("rafa");
        var page = await chromium.SignInAsync(server, name);
        await page.AddSessionAsync("Kept", "25:00", 30);
        await page.AddSessionAsync("Dropped", "25:00", 30);
        await page.EvaluateAsync("() => navigator.serviceWorker.ready.then(() => true)");
        await SentAsync(page, name);

        await page.Context.SetOfflineAsync(true);
        await page.Button("Start Kept").ClickAsync();
        await page.AddSessionAsync("Added offline", "10:00", 20);
        await page.EditTitleAsync("Kept", "Renamed offline");
        await Expect(page.Card("Renamed offline")).ToBeVisibleAsync(new() { Timeout = 1000 });
        // Reloaded within the delete's undo window: the delete is queued already, held.
        await page.Button("Delete Dropped").ClickAsync();
        await Expect(page.Card("Dropped")).ToHaveCountAsync(0);
        var badge = page.Locator("#connection");
        await Expect(badge).ToHaveTextAsync("Offline: 3 changes waiting");

        var reloaded = await page.ReloadAsync();

        Assert.True(reloaded?.FromServiceWorker, "the page did not come from the service worker");
        await Expect(badge).ToHaveTextAsync("Offline: 4 changes waiting", Soon);
        await Expect(page.Card("Renamed offline")).ToHaveAttributeAsync("data-state", "running");
        await Expect(page.Card("Added offline")).ToHaveAttributeAsync("data-state", "ready");
        await Expect(page.Card("Dropped")).ToHaveCountAsync(0);

        await page.Context.SetOfflineAsync(false);

        await Expect(badge).ToHaveTextAsync("Synced", Soon);
        using var api = server.ClientFor(name.ToLowerInvariant());
        var sessions = (await api.GetFromJsonAsync<JsonElement>("/sessions", TestContext.Current.CancellationToken)).GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(["Added offline", "Renamed offline"], sessions.Select(s => s.Str("title")).Order());
        Assert.Equal("RUNNING", sessions.Single(s => s.Str("title") == "Renamed offline").Str("state"));
        Assert.Empty(await QueuedAsync(page, name));
    }

    [Fact]
    public async Task TheAppIsInstallableAndItsStartPageShowsTheTimers()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("tess"));
        await page.AddSessionAsync("Installed", "25:00", 30);
        await page.EvaluateAsync("() => navigator.serviceWorker.ready.then(() => true)");
        var cdp = await page.Context.NewCDPSessionAsync(page);

        var installability = await cdp.SendAsync("Page.getInstallabilityErrors");

        // Playwright's contexts are off the record, which Chrome never installs from; nothing else may stand in the way.
        Assert.Equal(["in-incognito"], installability!.Value.GetProperty("installabilityErrors").EnumerateArray().Select(e => e.Str("errorId")));
        // The installed app opens the manifest's start_url in a window of its own, without the browser's bars: as a
        // headless page shows it.
        await page.GotoAsync("/#/timers");
        await Expect(page.Card("Installed")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "installed-app");
    }

    /// <summary>Waits until the page's queue is empty: what it did so far has reached the service.</summary>
    private static async Task SentAsync(IPage page, string name)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(5); (await QueuedAsync(page, name)).Count > 0;)
        {
            Assert.True(DateTime.UtcNow < deadline, "the page's queue did not empty");
            await page.WaitForTimeoutAsync(50);
        }
    }

    /// <summary>The operations waiting in the page's queue (IndexedDB), oldest first.</summary>
    private static async Task<List<(string Kind, long At)>> QueuedAsync(IPage page, string name)
    {
        var queued = await page.EvaluateAsync<JsonElement>(
            """
            uid => new Promise((resolve, reject) => {
              const open = indexedDB.open(`focussync-queue ${uid}`);
              open.onerror = () => reject(open.error);
              open.onsuccess = () => {
                const all = open.result.transaction('operations').objectStore('operations').getAll();
                all.onsuccess = () => resolve(all.result.sort((a, b) => a.position - b.position).map(o => ({ kind: o.kind, at: o.at })));
              };
            })
            """, name.ToLowerInvariant());
        return queued.EnumerateArray().Select(o => (o.Str("kind"), o.GetProperty("at").GetInt64())).ToList();
    }
}
