using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Data;

/// <summary>
/// Every text a person stores (a session's title, a group's name and description, an Idempotency-Key) is
/// refused with a 400 naming the field when some database could not store it, identically on SQLite and
/// PostgreSQL; lengths count the characters a person sees.
/// </summary>
public sealed class StoredTextTests(Apps apps) : IClassFixture<Apps>
{
    private const string Countdown = """ "initialDuration":60,"dailyGoalMinutes":1 """;

    public static TheoryData<Db, string, string, string, string, string> UnstorableText()
    {
        var cases = new (string Method, string Path, string Body, string Field, string Refused)[]
        {
            ("POST", "/sessions", $$"""{"title":"a\u0000b",{{Countdown}}}""", "title", "U+0000"),
            ("PATCH", "/sessions/{session}", """{"title":"\u0000"}""", "title", "U+0000"),
            ("POST", "/sessions", $$"""{"title":"bell\u0007",{{Countdown}}}""", "title", "U+0007"),
            ("POST", "/sessions", $$"""{"title":"\u001b[31mred",{{Countdown}}}""", "title", "U+001B"),
            ("PATCH", "/sessions/{session}", """{"title":"del\u007f"}""", "title", "U+007F"),
            ("PATCH", "/sessions/{session}", """{"title":"next\u0085line"}""", "title", "U+0085"),
            ("POST", "/groups", """{"name":"a\u0000"}""", "name", "U+0000"),
            ("PATCH", "/groups/{group}", """{"name":"\u0000x"}""", "name", "U+0000"),
            ("POST", "/groups", """{"name":"ok","description":"line\u0000"}""", "description", "U+0000"),
            ("PATCH", "/groups/{group}", """{"description":"\u0000"}""", "description", "U+0000"),
            ("PATCH", "/groups/{group}", """{"description":"form\ffeed"}""", "description", "U+000C"),
            ("PATCH", "/groups/{group}", """{"description":"c1\u009b"}""", "description", "U+009B"),
        };
        var data = new TheoryData<Db, string, string, string, string, string>();
        foreach (var db in Enum.GetValues<Db>())
        {
            foreach (var (method, path, body, field, refused) in cases)
            {
                data.Add(db, method, path, body, field, refused);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UnstorableText))]
    public async Task TextWithAControlCharacterIsA400NamingTheFieldOnEveryDatabase(
        Db db, string method, string path, string body, string field, string refused)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var (sessionId, groupId) = (await client.CreateSessionIdAsync(), await client.CreateGroupIdAsync());
        var before = await SnapshotAsync(client, sessionId);

        var problem = await client.SendJsonAsync(
                new HttpMethod(method), path.Replace("{session}", $"{sessionId}").Replace("{group}", $"{groupId}"), body)
            .ExpectInvalidAsync(field);

        Assert.Contains(refused, problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await SnapshotAsync(client, sessionId));
    }

    [Theory]
    [InlineData(Db.Sqlite, "nul\0key")]
    [InlineData(Db.Postgres, "nul\0key")]
    [InlineData(Db.Postgres, "escape\u001bkey")]
    [InlineData(Db.Postgres, "clé")]
    public async Task AnIdempotencyKeyOutsidePrintableAsciiIsA400NamingIt(Db db, string key)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.SendJsonAsync(HttpMethod.Post, "/sessions", $$"""{"title":"t",{{Countdown}}}""",
            h => h.TryAddWithoutValidation("Idempotency-Key", key)).ExpectInvalidAsync("Idempotency-Key");

        Assert.Empty((await client.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TextKeepsTabsAndLineBreaks(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        const string text = "first line\r\n\tindented\nnext\u2028last";

        var session = await client.CreateSessionAsync(new NewSession(text, 60, 1));
        await client.Api.CreateGroupAsync(text, text, TestContext.Current.CancellationToken);

        Assert.Equal(text, (await client.GetSessionAsync(session.Id)).Title);
        var group = Assert.Single(await client.Api.GetGroupsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(text, group.Name);
        Assert.Equal(text, group.Description);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task LengthsCountTheCharactersAPersonSeesAndTheColumnsHoldTheLongest(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var flags = string.Concat(Enumerable.Repeat("🇫🇷", 200));
        var accented = string.Concat(Enumerable.Repeat("e\u0301", 100));
        var thumbs = string.Concat(Enumerable.Repeat("👍🏽", 1000));

        var session = await client.CreateSessionAsync(new NewSession(flags, 60, 1));
        await client.Api.CreateGroupAsync(accented, thumbs, TestContext.Current.CancellationToken);

        Assert.Equal(flags, (await client.GetSessionAsync(session.Id)).Title);
        var stored = Assert.Single(await client.Api.GetGroupsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(accented, stored.Name);
        Assert.Equal(thumbs, stored.Description);
        await client.PostAsJsonAsync("/sessions", new { title = flags + "🇫🇷", initialDuration = 60, dailyGoalMinutes = 1 }, cancellationToken: TestContext.Current.CancellationToken).ExpectInvalidAsync("title");
        await client.PostAsJsonAsync("/groups", new { name = accented + "é" }, cancellationToken: TestContext.Current.CancellationToken).ExpectInvalidAsync("name");
        await client.PostAsJsonAsync("/groups", new { name = "n", description = thumbs + "👍" }, cancellationToken: TestContext.Current.CancellationToken).ExpectInvalidAsync("description");
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACharacterLargerThanItsColumnHoldsIsA400NotA500(Db db)
    {
        // One letter carrying 1,599 accents is one character of 1,600 code units: the most a title's column holds.
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var largest = "e" + new string('\u0301', 1599);

        var session = await client.CreateSessionAsync(new NewSession(largest, 60, 1));
        var problem = await client.PatchJsonAsync($"/sessions/{session.Id}", new { title = largest + "\u0301" }).ExpectInvalidAsync("title");

        Assert.Equal(largest, (await client.GetSessionAsync(session.Id)).Title);
        Assert.Contains("1600", problem.GetProperty("errors").GetProperty("title")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Db.Sqlite, " \u00A0\u3000")]
    [InlineData(Db.Sqlite, "\u200B\u200C\u200D")]
    [InlineData(Db.Sqlite, "\u2060\uFEFF")]
    [InlineData(Db.Sqlite, "\u0301\u0308")]
    [InlineData(Db.Sqlite, "\u20DD")]
    [InlineData(Db.Sqlite, "\u3164\u115F\u2800")]
    [InlineData(Db.Sqlite, "\U000E0041\U000E0042")]
    [InlineData(Db.Postgres, "\u200B")]
    [InlineData(Db.Postgres, "\u0301")]
    public async Task ATitleOrNameOfOnlyInvisibleCharactersIsA400(Db db, string invisible)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var groupId = await client.CreateGroupIdAsync();

        await client.PostAsJsonAsync("/sessions", new { title = invisible, initialDuration = 60, dailyGoalMinutes = 1 }, cancellationToken: TestContext.Current.CancellationToken).ExpectInvalidAsync("title");
        await client.PatchJsonAsync($"/sessions/{id}", new { title = invisible }).ExpectInvalidAsync("title");
        await client.PostAsJsonAsync("/groups", new { name = invisible }, cancellationToken: TestContext.Current.CancellationToken).ExpectInvalidAsync("name");
        await client.PatchJsonAsync($"/groups/{groupId}", new { name = invisible }).ExpectInvalidAsync("name");
        await client.CreateSessionAsync(new NewSession(invisible + "x", 60, 1));
    }

    [Fact]
    public async Task TheApiDescriptionStatesEachTextLimit()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.CreateClient();

        var paths = (await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).GetProperty("paths");

        Assert.Contains("'title': 1 to 200 characters", Description(paths, "/sessions", "post"), StringComparison.Ordinal);
        Assert.Contains("'title': 1 to 200 characters", Description(paths, "/sessions/{id}", "patch"), StringComparison.Ordinal);
        Assert.Contains("'name': 1 to 100 characters", Description(paths, "/groups", "post"), StringComparison.Ordinal);
        Assert.Contains("'description': at most 1000 characters", Description(paths, "/groups/{id}", "patch"), StringComparison.Ordinal);
        var key = paths.GetProperty("/sessions").GetProperty("post").GetProperty("parameters").EnumerateArray()
            .Single(p => p.Str("name") == "Idempotency-Key");
        Assert.Contains("1 to 200 printable ASCII characters", key.Str("description"), StringComparison.Ordinal);
    }

    private static string Description(JsonElement paths, string path, string method) =>
        paths.GetProperty(path).GetProperty(method).Str("description");

    private static async Task<string> SnapshotAsync(UserClient client, long sessionId) =>
        (await client.GetSessionAsync(sessionId))
        + string.Join(", ", await client.Api.GetGroupsAsync())
        + (await client.ListAsync()).Sessions.Count;
}
