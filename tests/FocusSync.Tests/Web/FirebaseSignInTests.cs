using FocusSync.Client;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FocusSync.Tests.Web;

/// <summary>
/// The web client signing in with the real Firebase JS SDK against the Firebase Auth emulator
/// (<c>FOCUSSYNC_TEST_FIREBASE_EMULATOR</c>), which the service trusts and tells the client about in <c>GET /config</c>.
/// </summary>
public sealed class FirebaseSignInTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private const string PageToken = "async () => (await import('/js/auth.js')).auth.getToken()";

    /// <summary>The status of the page's own <c>GET /sessions</c>, through the page's REST client (js/view.js).</summary>
    private const string PageReadsSessions =
        "async () => { const { api } = await import('/js/view.js'); try { await api.listSessions(); return 200; } catch (e) { return e.status; } }";

    [Fact]
    public async Task AUserSignsInWithEmailAndPasswordUsesTheApiAndTheHubAndIsRefusedAfterSigningOut()
    {
        var emulator = FirebaseEmulator.Require();
        var browser = chromium.Browser;
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser with
        {
            SignIn = SignIn.AsConfigured,
            Settings = emulator.Settings,
        });
        var user = await emulator.CreateUserAsync();
        using var api = server.ClientFor(user.Uid, user.IdToken);
        await api.LoginAsync();
        await api.CreateSessionAsync("Made before signing in");

        var context = await browser.NewContextAsync(new() { BaseURL = server.Address.ToString(), ViewportSize = ChromiumBrowser.Desktop });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByLabel("Email").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(FirebaseEmulator.Password);
        await page.Button("Sign in with email").ClickAsync();

        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 10_000 });
        await Expect(page.Card("Made before signing in")).ToBeVisibleAsync();
        var (header, payload) = TestTokens.Decode(await page.EvaluateAsync<string>(PageToken));
        Assert.Equal("none", header["alg"]?.GetValue<string>());
        Assert.Equal(user.Uid, payload["sub"]?.GetValue<string>());

        // The hub: a change made elsewhere shows without a reload; and the page's own changes reach the API.
        await api.CreateSessionAsync("Made elsewhere");
        await Expect(page.Card("Made elsewhere")).ToBeVisibleAsync(new() { Timeout = 1000 });
        await page.AddSyncedSessionAsync("Made in the page", "25:00", 30);
        var titles = (await api.ListAsync()).Sessions.Select(s => s.Title);
        Assert.Contains("Made in the page", titles);

        await page.Button("Sign out").ClickAsync();

        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Offline");
        Assert.Equal(string.Empty, await page.EvaluateAsync<string>(PageToken));
        Assert.Equal(401, await page.EvaluateAsync<int>(PageReadsSessions));

        // Nothing of the sign-in is kept: a reload comes back signed out.
        await page.ReloadAsync();
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        Assert.Equal(401, await page.EvaluateAsync<int>(PageReadsSessions));
        await context.CloseAsync();
    }
}
