using Microsoft.Playwright;

namespace FocusSync.Tests.Web;

/// <summary>What a person does on the timers page, as Playwright steps.</summary>
internal static class TimersPage
{
    public static ILocator Cards(this IPage page) => page.Locator("#session-list .card");

    public static ILocator Card(this IPage page, string title) =>
        page.Cards().Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = title, Exact = true }) });

    public static ILocator Button(this IPage page, string name) =>
        page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public static async Task AddSessionAsync(this IPage page, string title, string duration, int goalMinutes, string? group = null)
    {
        await page.Button("Add session").ClickAsync();
        var dialog = page.Locator("#session-dialog");
        await dialog.GetByLabel("Title").FillAsync(title);
        if (group is not null)
        {
            await dialog.GetByLabel("Group").SelectOptionAsync(new SelectOptionValue { Label = group });
        }

        await dialog.GetByLabel("Countdown").FillAsync(duration);
        await dialog.GetByLabel("Daily goal").FillAsync(goalMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.Card(title).WaitForAsync();
    }

    /// <summary>Adds a session as <see cref="AddSessionAsync"/> does, and waits until the page has sent it to the service.</summary>
    public static async Task AddSyncedSessionAsync(this IPage page, string title, string duration, int goalMinutes)
    {
        var synced = page.WaitForResponseAsync(r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/sync" && r.Ok);
        await page.AddSessionAsync(title, duration, goalMinutes);
        await synced;
    }

    public static async Task AddStopwatchAsync(this IPage page, string title, string? group = null)
    {
        await page.Button("Add session").ClickAsync();
        var dialog = page.Locator("#session-dialog");
        await dialog.GetByLabel("Title").FillAsync(title);
        if (group is not null)
        {
            await dialog.GetByLabel("Group").SelectOptionAsync(new SelectOptionValue { Label = group });
        }

        await dialog.GetByLabel("No goal").CheckAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.Card(title).WaitForAsync();
    }

    public static async Task AddGroupAsync(this IPage page, string name)
    {
        await page.Button("Groups").ClickAsync();
        var dialog = page.Locator("#groups-dialog");
        await dialog.GetByLabel("Name").Last.FillAsync(name);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add group" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true }).WaitForAsync();
    }

    public static async Task EditTitleAsync(this IPage page, string title, string newTitle)
    {
        await page.Button($"Edit {title}").ClickAsync();
        var dialog = page.Locator("#session-dialog");
        await dialog.GetByLabel("Title").FillAsync(newTitle);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
    }

    /// <summary>Deletes a session and sends the delete at once, without waiting out its undo window.</summary>
    public static async Task DeleteAsync(this IPage page, string title)
    {
        await page.Button($"Delete {title}").ClickAsync();
        await page.Toast($"Deleted “{title}”").GetByRole(AriaRole.Button, new() { Name = "OK" }).ClickAsync();
    }

    /// <summary>A development sign-in name no other test uses.</summary>
    public static string UniqueName(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The uid the development sign-in gave this page (the name, lower-cased).</summary>
    public static async Task<string> UidAsync(IPage page) =>
        (await page.EvaluateAsync<string>("() => JSON.parse(localStorage.getItem('focussync.devUser')).name")).ToLowerInvariant();

    /// <summary>The floating message that contains <paramref name="text"/>.</summary>
    public static ILocator Toast(this IPage page, string text) => page.Locator("#toasts .toast", new() { HasText = text });
}
