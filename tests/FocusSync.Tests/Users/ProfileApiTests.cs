using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Users;

public sealed class ProfileApiTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task LoginCreatesTheUserFromTheTokenAndRefreshesNameAndEmail(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.CreateClient();

        var first = await LoginAsync("Ada", "ada@example.com");
        Assert.Equal(uid, first.Str("id"));
        Assert.Equal("Ada", first.Str("name"));
        Assert.Equal("ada@example.com", first.Str("email"));
        Assert.Equal("UTC", first.Str("timeZone"));
        Assert.Equal("00:00", first.Str("resetTime"));
        Assert.Equal("monday", first.Str("weekStart"));
        Assert.True(first.GetProperty("singleRunning").GetBoolean());

        var second = await LoginAsync("Ada Lovelace", "ada@lovelace.org");
        Assert.Equal("Ada Lovelace", second.Str("name"));
        Assert.Equal("ada@lovelace.org", second.Str("email"));
        Assert.Equal(first.Str("createdAt"), second.Str("createdAt"));

        using var me = app.ClientFor(uid);
        var profile = await me.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Ada Lovelace", profile.Str("name"));

        async Task<JsonElement> LoginAsync(string name, string email)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/me/login");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", app.Tokens.Mint(uid, payload: p =>
            {
                p["name"] = name;
                p["email"] = email;
            }));
            return await client.SendAsync(request).ExpectAsync(HttpStatusCode.OK);
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnyAuthenticatedCallCreatesAMissingUser(Db db)
    {
        var app = await apps.ForAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var client = app.ClientFor(uid);

        await client.CreateSessionAsync();
        var me = await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(uid, me.Str("id"));
        Assert.Equal("Test User", me.Str("name"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task PatchingTheProfileChangesEachSettingAndKeepsIt(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var patched = await client.PatchJsonAsync("/me",
                new { timeZone = "Asia/Kathmandu", resetTime = "04:30", weekStart = "sunday", singleRunning = false })
            .ExpectAsync(HttpStatusCode.OK);
        var read = await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        foreach (var user in new[] { patched, read })
        {
            Assert.Equal("Asia/Kathmandu", user.Str("timeZone"));
            Assert.Equal("04:30", user.Str("resetTime"));
            Assert.Equal("sunday", user.Str("weekStart"));
            Assert.False(user.GetProperty("singleRunning").GetBoolean());
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task SwitchingSingleRunningOnLeavesRunningTimersRunningUntilTheNextStart(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.PatchJsonAsync("/me", new { singleRunning = false }).ExpectAsync(HttpStatusCode.OK);
        var first = await client.CreateSessionIdAsync();
        var second = await client.CreateSessionIdAsync();
        var third = await client.CreateSessionIdAsync();
        await client.ActAsync(first, "start");
        await client.ActAsync(second, "start");

        await client.PatchJsonAsync("/me", new { singleRunning = true }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(["RUNNING", "RUNNING", "PAUSED"], (await client.ListAsync()).Sessions.Select(s => s.State));
        await client.ActAsync(third, "start");
        Assert.Equal(["PAUSED", "PAUSED", "RUNNING"], (await client.ListAsync()).Sessions.Select(s => s.State));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task PatchingOnlyTheWeekStartIsKept(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.PatchJsonAsync("/me", new { weekStart = "wednesday" }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("wednesday", (await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).Str("weekStart"));
    }

    /// <summary>
    /// A window that shows settings another window has changed since cannot save over them: its <c>If-Match</c> names
    /// the settings it showed, and the answer is a 412 carrying the user as they are now.
    /// </summary>
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task APatchBuiltOnOtherSettingsIsA412CarryingTheCurrentUserAndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var shown = await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        var tag = shown.Str("settingsETag");
        var changed = await client.SendJsonAsync(HttpMethod.Patch, "/me", """{"timeZone":"Asia/Tokyo"}""", h => h.IfMatch.ParseAdd(tag)).ExpectAsync(HttpStatusCode.OK);
        Assert.NotEqual(tag, changed.Str("settingsETag"));

        var stale = await client.SendJsonAsync(HttpMethod.Patch, "/me", """{"weekStart":"sunday"}""", h => h.IfMatch.ParseAdd(tag))
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed);

        var current = stale.GetProperty("user");
        Assert.Equal(("Asia/Tokyo", "monday", changed.Str("settingsETag")), (current.Str("timeZone"), current.Str("weekStart"), current.Str("settingsETag")));
        var now = await client.GetAsync("/me", TestContext.Current.CancellationToken);
        Assert.Equal(changed.Str("settingsETag"), now.Headers.ETag?.Tag);
        Assert.Equal("monday", (await now.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).Str("weekStart"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task APatchWithTheCurrentSettingsTagOrAStarOrNoneApplies(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var tag = (await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).Str("settingsETag");

        var first = await client.SendJsonAsync(HttpMethod.Patch, "/me", """{"weekStart":"sunday"}""", h => h.IfMatch.ParseAdd(tag)).ExpectAsync(HttpStatusCode.OK);
        // Week start is a setting too: the tag moved with it, and the old one no longer matches.
        Assert.NotEqual(tag, first.Str("settingsETag"));
        await client.SendJsonAsync(HttpMethod.Patch, "/me", """{"weekStart":"friday"}""", h => h.IfMatch.ParseAdd("*")).ExpectAsync(HttpStatusCode.OK);
        var last = await client.PatchJsonAsync("/me", new { weekStart = "monday" }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("monday", last.Str("weekStart"));
        // The tag names the settings' values: back to the first values, back to the first tag.
        Assert.Equal(tag, last.Str("settingsETag"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnUnknownTimeZoneIsA400NamingTimeZone(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.PatchJsonAsync("/me", new { timeZone = "Mars/Olympus_Mons" }).ExpectInvalidAsync("timeZone");

        Assert.Equal("UTC", (await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).Str("timeZone"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AMalformedResetTimeIsA400NamingResetTime(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        foreach (var bad in new[] { "24:00", "7:00", "07:60", "x", "", "07:00:00", "٠٧:٠٠" })
        {
            await client.PatchJsonAsync("/me", new { resetTime = bad }).ExpectInvalidAsync("resetTime");
        }

        await client.SendJsonAsync(HttpMethod.Patch, "/me", """{"resetTime":700}""").ExpectInvalidAsync("resetTime");
        Assert.Equal("00:00", (await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).Str("resetTime"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnUnknownProfileFieldIsA400AndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var before = await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        await client.PatchJsonAsync("/me", new { timeZone = "Europe/London", name = "Mallory" }).ExpectInvalidAsync("name");
        await client.PatchJsonAsync("/me", new { weekStart = "someday" }).ExpectInvalidAsync("weekStart");
        await client.PatchJsonAsync("/me", new { singleRunning = "yes" }).ExpectInvalidAsync("singleRunning");
        await client.PatchJsonAsync("/me", new { timeZone = (string?)null }).ExpectInvalidAsync("timeZone");
        await client.SendJsonAsync(HttpMethod.Patch, "/me", "{\"timeZone\":").ExpectInvalidAsync("body");

        var after = await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        foreach (var field in new[] { "name", "timeZone", "resetTime", "weekStart" })
        {
            Assert.Equal(before.Str(field), after.Str(field));
        }

        Assert.True(after.GetProperty("singleRunning").GetBoolean());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADuplicatedPropertyIsA400AndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.SendJsonAsync(HttpMethod.Patch, "/me", """{"timeZone":"Europe/Paris","timeZone":"Asia/Tokyo"}""").ExpectInvalidAsync("body");

        Assert.Equal("UTC", (await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).Str("timeZone"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ChangingTheProfileCountsAsOneChangeInTheSeq(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var seq = (await client.ListAsync()).Seq;

        await client.PatchJsonAsync("/me", new { weekStart = "friday" }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(seq + 1, (await client.ListAsync()).Seq);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task PatchingTheProfileWithJsonOfTheRightShapeButNoObjectIsA400(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.PostAsJsonAsync("/me/login", new { }, cancellationToken: TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        await client.SendJsonAsync(HttpMethod.Patch, "/me", "[1,2]").ExpectInvalidAsync("body");
    }
}
