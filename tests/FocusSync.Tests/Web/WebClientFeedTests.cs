using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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

    [ChromiumFact]
    public async Task APageThatMissedAnEventReadsItFromTheFeedWithoutReadingEverythingAgain()
    {
        await using var server = WebClientServer.Start();
        var (page, relay, api) = await OpenRelayedAsync(server, "Feed me");
        var id = await SessionIdAsync(api);
        var seq = await SeqAsync(api);

        await relay.MissNextEventAsync(() => api.PostAsync($"/sessions/{id}/actions/start", null));
        (await api.PatchAsJsonAsync($"/sessions/{id}", new { title = "Fed" })).EnsureSuccessStatusCode();

        await Expect(page.Card("Fed")).ToHaveAttributeAsync("data-state", "running", Soon);
        Assert.Contains($"/changes?since={seq}&limit=500", relay.Requests);
        Assert.DoesNotContain(relay.Requests, r => r.StartsWith("/sessions", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task APageWhoseSeqThePrunedFeedNoLongerReachesReadsEverythingAgain()
    {
        await using var server = WebClientServer.Start();
        var (page, relay, api) = await OpenRelayedAsync(server, "Pruned");
        var id = await SessionIdAsync(api);
        var seq = await SeqAsync(api);

        await relay.MissNextEventAsync(() => api.PostAsync($"/sessions/{id}/actions/start", null));
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<FocusSyncDb>().StoredChanges.ExecuteDeleteAsync();
        }

        (await api.PatchAsJsonAsync($"/sessions/{id}", new { title = "Refetched" })).EnsureSuccessStatusCode();

        await Expect(page.Card("Refetched")).ToHaveAttributeAsync("data-state", "running", Soon);
        Assert.Contains($"/changes?since={seq}&limit=500", relay.Requests);
        Assert.Contains("/sessions", relay.Requests);
    }

    /// <summary>
    /// A page signed in with one session, reloaded so that its hub connection runs through a relay, and an API
    /// client of the same user; the relay records the API requests the page makes from then on.
    /// </summary>
    private async Task<(IPage Page, Relay Relay, HttpClient Api)> OpenRelayedAsync(WebClientServer server, string title)
    {
        var page = await chromium.SignInAsync(server, $"feed-{Guid.NewGuid().ToString("N")[..8]}");
        await page.AddSessionAsync(title, "25:00", 60);
        var relay = new Relay();
        await page.RouteWebSocketAsync(new Regex("/hubs/sessions"), relay.Handle);
        await page.ReloadAsync();
        await Expect(page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = 10_000 });
        await Expect(page.Card(title)).ToBeVisibleAsync();
        page.Request += (_, request) => relay.Requests.Enqueue(new Uri(request.Url).PathAndQuery);
        var uid = (await page.EvaluateAsync<string>("() => JSON.parse(localStorage.getItem('focussync.devUser')).name")).ToLowerInvariant();
        return (page, relay, await server.SignedInClientAsync(uid));
    }

    private static async Task<long> SessionIdAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/sessions")).GetProperty("sessions")[0].GetProperty("id").GetInt64();

    private static async Task<long> SeqAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/sessions")).GetProperty("seq").GetInt64();

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
        public async Task MissNextEventAsync(Func<Task<HttpResponseMessage>> change)
        {
            Interlocked.Exchange(ref _dropping, 1);
            (await change()).EnsureSuccessStatusCode();
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
