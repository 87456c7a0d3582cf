using Microsoft.Playwright;

namespace FocusSync.Tests.Web;

/// <summary>Saves desktop and phone screenshots of a page under TestResults/screenshots/.</summary>
internal static class Screenshots
{
    public static string Folder { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    public static async Task SaveAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Folder);
        var original = page.ViewportSize;
        foreach (var (size, viewport) in new[] { ("desktop", ChromiumBrowser.Desktop), ("phone", ChromiumBrowser.Phone) })
        {
            await page.SetViewportSizeAsync(viewport.Width, viewport.Height);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Folder, $"{name}-{size}.png"), FullPage = true });
        }

        if (original is not null)
        {
            await page.SetViewportSizeAsync(original.Width, original.Height);
        }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FocusSync.slnx")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}
