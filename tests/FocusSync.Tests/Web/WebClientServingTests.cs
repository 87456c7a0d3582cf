using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FocusSync.Api.Auth;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Web;

/// <summary>How the service serves the web client, without a browser.</summary>
public sealed class WebClientServingTests
{
    [Fact]
    public async Task TheClientIsServedAtTheRootWithoutSignIn()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        using var client = server.AnonymousClient();

        using var page = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>FocusSync</title>", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        foreach (var asset in new[] { "/js/main.js", "/app.css", "/vendor/focussync-client.js", "/vendor/chart.umd.min.js" })
        {
            using var response = await client.GetAsync(asset, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task TheServiceWorkerRevalidatesAndEveryFileOfItsShellAndTheManifestsIconsAreServed()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        using var client = server.AnonymousClient();
        var ct = TestContext.Current.CancellationToken;

        using var worker = await client.GetAsync("/sw.js", ct);
        Assert.Equal(HttpStatusCode.OK, worker.StatusCode);
        Assert.True(worker.Headers.CacheControl?.NoCache, "a new service worker must reach browsers at once");
        var shell = Regex.Matches(await worker.Content.ReadAsStringAsync(ct), @"^  '(/[^']*)',$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("/vendor/focussync-client.js", shell);
        // Every module of the page is in the shell: one left out is not kept on the first visit, and the app then
        // fails to start offline.
        var modules = Directory.GetFiles(Path.Combine(Screenshots.RepositoryRoot(), "src", "FocusSync.Api", "wwwroot", "js"), "*.js")
            .Select(f => "/js/" + Path.GetFileName(f));
        Assert.All(modules, module => Assert.Contains(module, shell));
        using var manifest = await client.GetAsync("/manifest.webmanifest", ct);
        Assert.Equal("application/manifest+json", manifest.Content.Headers.ContentType?.MediaType);
        var icons = (await manifest.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("icons").EnumerateArray().Select(i => i.GetProperty("src").GetString()!);

        foreach (var path in shell.Concat(icons))
        {
            using var response = await client.GetAsync(path, ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task ConfigSaysDevelopmentSignInAndGivesNoFirebaseConfig()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser);
        using var client = server.AnonymousClient();

        var config = await client.GetFromJsonAsync<JsonElement>("/config", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Development", config.GetProperty("authMode").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("firebase").ValueKind);
        Assert.InRange(config.GetProperty("serverTimeMs").GetInt64(),
            DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task ConfigGivesTheFirebaseWebConfigInFirebaseMode()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser with
        {
            Settings = new Dictionary<string, string?>
            {
                ["Auth:Mode"] = "Firebase",
                ["Auth:Firebase:ProjectId"] = "focussync-demo",
                ["WebClient:Firebase:ApiKey"] = "web-api-key",
                ["WebClient:Firebase:AuthDomain"] = "focussync-demo.firebaseapp.com",
            },
        });
        using var client = server.AnonymousClient();

        var config = await client.GetFromJsonAsync<JsonElement>("/config", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Firebase", config.GetProperty("authMode").GetString());
        var firebase = config.GetProperty("firebase");
        Assert.Equal("web-api-key", firebase.GetProperty("apiKey").GetString());
        Assert.Equal("focussync-demo.firebaseapp.com", firebase.GetProperty("authDomain").GetString());
        Assert.Equal("focussync-demo", firebase.GetProperty("projectId").GetString());
        Assert.Equal(JsonValueKind.Null, firebase.GetProperty("emulatorUrl").ValueKind);
    }

    [Fact]
    public async Task ConfigPointsTheWebClientAtTheEmulatorTheServiceTrustsAndTheCspAllowsOnlyIt()
    {
        await using var server = await FocusSyncApp.StartAsync(Db.Sqlite, AppOptions.Browser with
        {
            Settings = new Dictionary<string, string?>
            {
                ["Auth:Mode"] = "Firebase",
                ["Auth:Firebase:ProjectId"] = "demo-focussync",
                [AuthStartupGuard.EmulatorHostVariable] = "127.0.0.1:9099",
            },
        });
        using var client = server.AnonymousClient();

        using var response = await client.GetAsync("/config", TestContext.Current.CancellationToken);
        var firebase = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("firebase");

        Assert.Equal("http://127.0.0.1:9099", firebase.GetProperty("emulatorUrl").GetString());
        Assert.Equal(Api.Web.WebClient.EmulatorApiKey, firebase.GetProperty("apiKey").GetString());
        Assert.Equal("demo-focussync.firebaseapp.com", firebase.GetProperty("authDomain").GetString());
        Assert.Equal("demo-focussync", firebase.GetProperty("projectId").GetString());
        var csp = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("connect-src 'self' http://127.0.0.1:9099;", csp, StringComparison.Ordinal);
        Assert.Contains("frame-src http://127.0.0.1:9099;", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("googleapis.com", csp, StringComparison.Ordinal);
    }
}
