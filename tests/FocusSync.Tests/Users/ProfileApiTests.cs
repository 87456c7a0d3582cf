using System.Net;
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
        Assert.Equal(uid, first.Id);
        Assert.Equal("Ada", first.Name);
        Assert.Equal("ada@example.com", first.Email);
        Assert.Equal("UTC", first.TimeZone);
        Assert.Equal("00:00", first.ResetTime);
        Assert.Equal("monday", first.WeekStart);
        Assert.True(first.SingleRunning);

        var second = await LoginAsync("Ada Lovelace", "ada@lovelace.org");
        Assert.Equal("Ada Lovelace", second.Name);
        Assert.Equal("ada@lovelace.org", second.Email);
        Assert.Equal(first.CreatedAt, second.CreatedAt);

        using var me = app.ClientFor(uid);
        Assert.Equal("Ada Lovelace", (await me.MeAsync()).Name);

        async Task<User> LoginAsync(string name, string email)
        {
            var token = app.Tokens.Mint(uid, payload: p =>
            {
                p["name"] = name;
                p["email"] = email;
            });
            using var api = new FocusSyncClient(client, _ => ValueTask.FromResult(token));
            return await api.LoginAsync(TestContext.Current.CancellationToken);
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
        var me = await client.MeAsync();

        Assert.Equal(uid, me.Id);
        Assert.Equal("Test User", me.Name);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task PatchingTheProfileChangesEachSettingAndKeepsIt(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var patched = await client.ChangeSettingsAsync(new SettingsChanges("Asia/Kathmandu", "04:30", "sunday", SingleRunning: false));
        var read = await client.MeAsync();

        foreach (var user in new[] { patched, read })
        {
            Assert.Equal("Asia/Kathmandu", user.TimeZone);
            Assert.Equal("04:30", user.ResetTime);
            Assert.Equal("sunday", user.WeekStart);
            Assert.False(user.SingleRunning);
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task SwitchingSingleRunningOnLeavesRunningTimersRunningUntilTheNextStart(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.ChangeSettingsAsync(new SettingsChanges(SingleRunning: false));
        var first = await client.CreateSessionIdAsync();
        var second = await client.CreateSessionIdAsync();
        var third = await client.CreateSessionIdAsync();
        await client.ActAsync(first, "start");
        await client.ActAsync(second, "start");

        await client.ChangeSettingsAsync(new SettingsChanges(SingleRunning: true));

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

        await client.ChangeSettingsAsync(new SettingsChanges(WeekStart: "wednesday"));

        Assert.Equal("wednesday", (await client.MeAsync()).WeekStart);
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

        Assert.Equal("UTC", (await client.MeAsync()).TimeZone);
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
        Assert.Equal("00:00", (await client.MeAsync()).ResetTime);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnUnknownProfileFieldIsA400AndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var before = await client.MeAsync();

        await client.PatchJsonAsync("/me", new { timeZone = "Europe/London", name = "Mallory" }).ExpectInvalidAsync("name");
        await client.PatchJsonAsync("/me", new { weekStart = "someday" }).ExpectInvalidAsync("weekStart");
        await client.PatchJsonAsync("/me", new { singleRunning = "yes" }).ExpectInvalidAsync("singleRunning");
        await client.PatchJsonAsync("/me", new { timeZone = (string?)null }).ExpectInvalidAsync("timeZone");
        await client.SendJsonAsync(HttpMethod.Patch, "/me", "{\"timeZone\":").ExpectInvalidAsync("body");

        var after = await client.MeAsync();
        Assert.Equal((before.Name, before.TimeZone, before.ResetTime, before.WeekStart), (after.Name, after.TimeZone, after.ResetTime, after.WeekStart));
        Assert.True(after.SingleRunning);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ADuplicatedPropertyIsA400AndChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.SendJsonAsync(HttpMethod.Patch, "/me", """{"timeZone":"Europe/Paris","timeZone":"Asia/Tokyo"}""").ExpectInvalidAsync("body");

        Assert.Equal("UTC", (await client.MeAsync()).TimeZone);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ChangingTheProfileCountsAsOneChangeInTheSeq(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var seq = (await client.ListAsync()).Seq;

        await client.ChangeSettingsAsync(new SettingsChanges(WeekStart: "friday"));

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
