using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Tests.Account;

public sealed class AccountExportTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheExportHoldsEveryFieldTheApiShowsAndEveryRowOfTheHistory(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = await AccountKit.FullAccountAsync(app);

        var export = await client.ExportAsync();

        // The export is compared byte for byte with the API's own answers, so those are read off the wire too.
        var list = await client.GetAsync("/sessions", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(list.GetProperty("seq").GetInt64(), export.GetProperty("seq").GetInt64());
        Assert.Equal(list.GetProperty("serverTimeMs").GetInt64(), export.GetProperty("exportedAtMs").GetInt64());
        Assert.Equal((await client.GetAsync("/me", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).GetRawText(), export.GetProperty("user").GetRawText());
        var groups = await client.GetFromJsonAsync<JsonElement>("/groups", TestContext.Current.CancellationToken);
        Assert.Equal(groups.GetProperty("groups").GetRawText(), export.GetProperty("groups").GetRawText());

        var sessions = export.GetProperty("sessions").EnumerateArray().ToList();
        var live = sessions.Where(s => s.IsNull("deletedAtMs")).Select(WithoutDeletedAt);
        Assert.Equal(list.Sessions().Select(s => s.GetRawText()), live);
        var deleted = Assert.Single(sessions, s => !s.IsNull("deletedAtMs"));
        Assert.Equal("Old", deleted.Str("title"));

        var feed = await client.GetAsync(UserClient.ChangesPath(0), TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(
            feed.GetProperty("events").EnumerateArray().Select(e => e.GetRawText()),
            export.GetProperty("changes").EnumerateArray().Select(e => e.GetRawText()));

        var history = await app.QueryAsync(d => d.TaskDailyTimes.AsNoTracking().Where(t => t.UserId == client.Uid)
            .OrderBy(t => t.Date).ThenBy(t => t.SessionId).ToListAsync(TestContext.Current.CancellationToken));
        Assert.True(history.Select(t => t.Date).Distinct().Count() >= 2, "the history should span two user-days");
        Assert.Equal(
            history.Select(t => (t.Date.ToString("yyyy-MM-dd"), t.SessionId, t.MsSpent, t.GoalMinutes)),
            export.GetProperty("dailyTimes").EnumerateArray().Select(t => (
                t.Str("date"), t.GetProperty("sessionId").GetInt64(), t.GetProperty("msSpent").GetInt64(),
                t.IsNull("goalMinutes") ? (int?)null : t.GetProperty("goalMinutes").GetInt32())));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WithAcceptCsvTheExportIsAZipOfOneCsvPerTableWithTheApisColumns(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = await AccountKit.FullAccountAsync(app);
        var json = await client.ExportAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/me/export");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        await using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)));

        Assert.Equal(["changes.csv", "daily_times.csv", "groups.csv", "sessions.csv", "user.csv"], zip.Entries.Select(e => e.FullName).Order());
        var sessions = ReadCsv(zip, "sessions.csv");
        var exported = json.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(exported[0].EnumerateObject().Select(p => p.Name), sessions[0]);
        Assert.Equal(exported.Count, sessions.Count - 1);
        var title = sessions[0].IndexOf("title");
        Assert.Equal(exported.Select(s => s.Str("title")), sessions.Skip(1).Select(row => row[title]));
        Assert.Equal(json.GetProperty("dailyTimes").GetArrayLength(), ReadCsv(zip, "daily_times.csv").Count - 1);
        Assert.Equal(json.GetProperty("changes").GetArrayLength(), ReadCsv(zip, "changes.csv").Count - 1);
        var user = ReadCsv(zip, "user.csv");
        Assert.Equal(json.GetProperty("user").EnumerateObject().Select(p => p.Name), user[0]);
        Assert.Equal("Europe/Paris", user[1][user[0].IndexOf("timeZone")]);
        var groups = ReadCsv(zip, "groups.csv");
        Assert.Equal(["Work, \"deep\"", "Home"], groups.Skip(1).Select(row => row[groups[0].IndexOf("name")]));
    }

    [Fact]
    public async Task ExportsHaveATighterRateLimitThanOtherReads()
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?> { ["RateLimits:ExportBurst"] = "1" });
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.ExportAsync();
        var detail = await ApiClient.AssertProblemDetailAsync(
            await client.GetAsync("/me/export", TestContext.Current.CancellationToken), HttpStatusCode.TooManyRequests);

        Assert.Contains("RateLimits:ExportsPerHour", detail, StringComparison.Ordinal);
        await client.ListAsync();
    }

    [Fact]
    public async Task TheApiDocumentDescribesTheExportsShapeAndBothFormats()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var anonymous = app.AnonymousClient();

        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);

        var content = document.GetProperty("paths").GetProperty("/me/export").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.EndsWith("/AccountExport", content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
        Assert.True(content.TryGetProperty("application/zip", out _), content.GetRawText());
        var shape = document.GetProperty("components").GetProperty("schemas").GetProperty("AccountExport").GetProperty("properties");
        Assert.Equal(["changes", "dailyTimes", "exportedAtMs", "groups", "seq", "sessions", "user"], shape.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(document.GetProperty("paths").GetProperty("/me").TryGetProperty("delete", out _));
    }

    private static string WithoutDeletedAt(JsonElement session) => session.GetRawText().Replace(",\"deletedAtMs\":null", "", StringComparison.Ordinal);

    /// <summary>An RFC 4180 file's records, quoted fields unquoted.</summary>
    private static List<List<string>> ReadCsv(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        var text = reader.ReadToEnd();
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.Empty(record);
        return records;
    }
}
