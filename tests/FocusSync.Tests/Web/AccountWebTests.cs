using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Account;
using FocusSync.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FocusSync.Tests.Web;

/// <summary>"Your data" on the settings page: downloading everything, and deleting the account.</summary>
public sealed class AccountWebTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    [Fact]
    public async Task DownloadMyDataSavesAJsonFileWithTheSessionsTitle()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("una"));
        await page.AddSyncedSessionAsync("Quarterly report", "25:00", 30);
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.Button("Download my data").ClickAsync());

        Assert.Matches(@"^focussync-export-\d{4}-\d{2}-\d{2}\.json$", download.SuggestedFilename);
        await using var file = await download.CreateReadStreamAsync();
        using var export = await JsonDocument.ParseAsync(file, cancellationToken: TestContext.Current.CancellationToken);
        var sessions = export.RootElement.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(["Quarterly report"], sessions.Select(s => s.Str("title")));
        Assert.Equal(await TimersPage.UidAsync(page), export.RootElement.GetProperty("user").Str("id"));
    }

    [Fact]
    public async Task APageOpenWhileAnotherDeviceDeletesTheAccountSignsOutForgetsItAndStartsNoNewAccount()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var name = TimersPage.UniqueName("wren");
        var page = await chromium.SignInAsync(server, name);
        await page.AddSyncedSessionAsync("Lab notes", "25:00", 30);
        var uid = await TimersPage.UidAsync(page);

        using (var elsewhere = server.ClientFor(uid))
        {
            (await elsewhere.DeleteAsync("/me", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }

        await Expect(page.Toast("deleted on another device")).ToBeVisibleAsync(new() { Timeout = 5000 });
        await Expect(page.Locator("#dev-name")).ToBeVisibleAsync();
        Assert.Null(await SavedViewAsync(page, uid));
        Assert.False(await HasQueueAsync(page, uid), "the browser still holds the deleted account's queue");
        // A page that had reconnected with its still-valid token would have started a new, empty account.
        Assert.All(await AccountKit.RowsOfAsync(server, uid), table => Assert.Equal(0, table.Value));
    }

    [Fact]
    public async Task DeletingTheAccountAsksNamingWhatIsLostCancelKeepsItAndConfirmSignsOutAndErasesItHereAndOnTheServer()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var page = await chromium.SignInAsync(server, TimersPage.UniqueName("vera"));
        await page.AddSyncedSessionAsync("Thesis", "25:00", 30);
        var uid = await TimersPage.UidAsync(page);
        Assert.NotNull(await SavedViewAsync(page, uid));
        Assert.True(await HasQueueAsync(page, uid), "the view keeps its queue in IndexedDB");
        var deletes = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "DELETE")
            {
                lock (deletes)
                {
                    deletes.Add(request.Url);
                }
            }
        };
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();
        var dialog = page.Locator("#confirm-dialog");

        await page.Button("Delete my account").ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        foreach (var lost in new[] { "all your sessions", "daily history", "groups", "settings" })
        {
            await Expect(dialog.Locator("#confirm-text")).ToContainTextAsync(lost);
        }

        await Screenshots.SaveAsync(page, "delete-account");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        using (var api = server.ClientFor(uid))
        {
            Assert.Equal(["Thesis"], (await api.ListAsync()).Sessions.Select(s => s.Title));
        }

        lock (deletes)
        {
            Assert.Empty(deletes);
        }

        Assert.NotNull(await SavedViewAsync(page, uid));
        await page.GetByRole(AriaRole.Link, new() { Name = "Timers" }).ClickAsync();
        await Expect(page.Card("Thesis")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Settings" }).ClickAsync();

        await page.Button("Delete my account").ClickAsync();
        var deleted = page.WaitForResponseAsync(r => r.Request.Method == "DELETE" && new Uri(r.Url).AbsolutePath == "/me");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();

        Assert.Equal(204, (await deleted).Status);
        await Expect(page.Locator("#dev-name")).ToBeVisibleAsync();
        await Expect(page.Locator("#sign-out")).ToBeHiddenAsync();
        Assert.Null(await SavedViewAsync(page, uid));
        Assert.False(await HasQueueAsync(page, uid), "the browser still holds the deleted account's queue");
        Assert.All(await AccountKit.RowsOfAsync(server, uid), table => Assert.Equal(0, table.Value));
        using (var api = server.ClientFor(uid))
        {
            Assert.Empty((await api.ListAsync()).Sessions);
        }
    }

    /// <summary>What this browser keeps of the user's view (view.js), or null.</summary>
    private static Task<string?> SavedViewAsync(IPage page, string uid) =>
        page.EvaluateAsync<string?>("uid => localStorage.getItem(`focussync.view.${uid}`)", uid);

    /// <summary>Whether this browser has the IndexedDB database of the user's queued changes (view.js).</summary>
    private static Task<bool> HasQueueAsync(IPage page, string uid) =>
        page.EvaluateAsync<bool>("async uid => (await indexedDB.databases()).some(d => d.name === `focussync-queue ${uid}`)", uid);
}
