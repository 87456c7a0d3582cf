using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FocusSync.Tests.Web;

/// <summary>
/// The web client catches up on missed events from the change feed, and reads everything again only when
/// the feed answers 410. Its hub connection runs through a relay that can hold back the server's messages.
/// </summary>
public sealed class WebClientFeedTests(ChromiumBrowser chromium) : IClassFixture<ChromiumBrowser>
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Soon = new() { Timeout = 5000 };

    [Fact]
    public async Task APageThatMissedAnEventReadsItFromTheFeedWithoutReadingEverythingAgain()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var (page, relay, api) = await OpenRelayedAsync(server, "Feed me");
        var id = (await api.ListAsync()).Sessions[0].Id;
        var seq = await api.SeqAsync();

        await relay.MissNextEventAsync(() => api.StartAsync(id));
        await api.EditSessionAsync(id, new SessionChanges(Title: "Fed"));

        await Expect(page.Card("Fed")).ToHaveAttributeAsync("data-state", "running", Soon);
        Assert.Contains($"/changes?since={seq}&limit=500", relay.Requests);
        Assert.DoesNotContain(relay.Requests, r => r.StartsWith("/sessions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APageWhoseSeqThePrunedFeedNoLongerReachesReadsEverythingAgain()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        var (page, relay, api) = await OpenRelayedAsync(server, "Pruned");
        var id = (await api.ListAsync()).Sessions[0].Id;
        var seq = await api.SeqAsync();

        await relay.MissNextEventAsync(() => api.StartAsync(id));
        await server.QueryAsync(db => db.StoredChanges.ExecuteDeleteAsync(TestContext.Current.CancellationToken));
        await api.EditSessionAsync(id, new SessionChanges(Title: "Refetched"));

        await Expect(page.Card("Refetched")).ToHaveAttributeAsync("data-state", "running", Soon);
        Assert.Contains($"/changes?since={seq}&limit=500", relay.Requests);
        Assert.Contains("/sessions", relay.Requests);
    }

    /// <summary>
    /// A page signed in with one session, reloaded so that its hub connection runs through a relay, and an API
    /// client of the same user; the relay records the API requests the page makes from then on.
    /// </summary>
    private async Task<(IPage Page, Relay Relay, UserClient Api)> OpenRelayedAsync(FocusSyncApp server, string title)
    {
        var page = await chromium.SignInAsync(server, $"feed-{Guid.NewGuid().ToString("N")[..8]}");
        await page.AddSessionAsync(title, "25:00", 60);
        var relay = new Relay();
        await page.RouteWebSocketAsync(new Regex("/hubs/sessions"), relay.Handle);
        await page.ReloadAsync();
        // "Synced" when the session's create was still queued at the reload: connected, with nothing waiting, either way.
        await Expect(page.Locator("#connection")).ToHaveTextAsync(new Regex("^(Live|Synced)$"), new() { Timeout = 10_000 });
        await Expect(page.Card(title)).ToBeVisibleAsync();
        page.Request += (_, request) => relay.Requests.Enqueue(new Uri(request.Url).PathAndQuery);
        var uid = (await page.EvaluateAsync<string>("() => JSON.parse(localStorage.getItem('focussync.devUser')).name")).ToLowerInvariant();
        return (page, relay, server.ClientFor(uid));
    }

    /// <summary>Passes the hub's WebSocket frames both ways, except the server's frames while it is told to hold them back.</summary>
    private sealed class Relay
    {
        private readonly SemaphoreSlim _dropped = new(0);
        private int _dropping;

        public ConcurrentQueue<string> Requests { get; } = new();

        public void Handle(IWebSocketRoute page)
        {
            var server = page.ConnectToServer();
            page.OnMessage(frame => Send(frame, server.Send, server.Send));
            server.OnMessage(frame =>
            {
                if (Volatile.Read(ref _dropping) == 1 && frame.Text?.Contains("\"target\":\"event\"", StringComparison.Ordinal) == true)
                {
                    Interlocked.Exchange(ref _dropping, 0);
                    _dropped.Release();
                    return;
                }

                Send(frame, page.Send, page.Send);
            });
        }

        /// <summary>Makes a change whose event the page never receives; returns once that event was held back.</summary>
        public async Task MissNextEventAsync(Func<Task> change)
        {
            Interlocked.Exchange(ref _dropping, 1);
            await change();
            Assert.True(await _dropped.WaitAsync(TimeSpan.FromSeconds(5)), "the change's event never reached the relay");
        }

        private static void Send(IWebSocketFrame frame, Action<string> text, Action<byte[]> binary)
        {
            if (frame.Text is { } message)
            {
                text(message);
            }
            else
            {
                binary(frame.Binary!);
            }
        }
    }
}
