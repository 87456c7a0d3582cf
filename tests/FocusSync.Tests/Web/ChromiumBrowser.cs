using FocusSync.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FocusSync.Tests.Web;

/// <summary>
/// One Debian Chromium for a test class, driven by Playwright (never downloaded: the path comes from
/// FOCUSSYNC_TEST_CHROMIUM), and helpers that open the web client as a user.
/// </summary>
public sealed class ChromiumBrowser : IAsyncLifetime
{
    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser; a test asking for it is skipped when Chromium is not configured.</summary>
    public IBrowser Browser
    {
        get
        {
            Assert.SkipWhen(_browser is null, $"Chromium not configured: set {TestServices.ChromiumVariable} (or run .ci/run).");
            return _browser;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (TestServices.Chromium is null && !TestServices.RequireServices)
        {
            return; // every test of the class is skipped
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = TestServices.RequireChromium(),
            Headless = true,
            Args = Args,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>
    /// A new browser context (its own storage, like another device) signed in as <paramref name="name"/>,
    /// by default waiting until its live connection is up.
    /// </summary>
    public async Task<IPage> SignInAsync(FocusSyncApp server, string name, ViewportSize? viewport = null, bool waitUntilLive = true)
    {
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = server.Address.ToString(),
            ViewportSize = viewport ?? Desktop,
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Console.WriteLine($"[browser {name}] {message.Text}");
            }
        };
        await page.GotoAsync("/");
        await page.Locator("#dev-name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        if (waitUntilLive)
        {
            await Expect(page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 10_000 });
        }

        return page;
    }
}
