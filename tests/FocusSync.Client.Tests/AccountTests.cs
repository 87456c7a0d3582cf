using System.IO.Compression;
using System.Net;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Client.Tests;

/// <summary>The client's export and account deletion against the real service.</summary>
public sealed class AccountTests
{
    private static readonly JsonSerializerOptions Web = JsonSerializerOptions.Web;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheJsonExportHoldsWhatTheViewShowsAndTheDeletedSessionMarkedAsDeleted(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var server = ClientKit.RestClient(app, uid);
        await using var view = await ClientKit.ViewAsync(app, uid);
        var deletedId = await FillAsync(app, server, view);
        await ClientKit.AssertEqualToServerAsync(server, view);

        using var body = new MemoryStream();
        await view.Client.ExportAsync(body, ExportFormat.Json, Ct);

        using var export = JsonDocument.Parse(body.ToArray());
        var root = export.RootElement;
        Assert.Equal(view.Seq, root.GetProperty("seq").GetInt64());
        var at = root.GetProperty("exportedAtMs").GetInt64();
        var sessions = root.GetProperty("sessions").EnumerateArray().ToList();
        var live = sessions.Where(s => s.GetProperty("deletedAtMs").ValueKind == JsonValueKind.Null).Select(s => s.Deserialize<Session>(Web)!);
        Assert.Equal(
            view.Sessions.Select(s => ClientKit.Shape.Of(s, at)),
            live.Select(s => ClientKit.Shape.Of(s)));
        var deleted = Assert.Single(sessions, s => s.GetProperty("deletedAtMs").ValueKind != JsonValueKind.Null);
        Assert.Equal((deletedId, "Old notes"), (deleted.GetProperty("id").GetInt64(), deleted.GetProperty("title").GetString()));
        Assert.DoesNotContain(view.Sessions, s => s.Id == deletedId);

        Assert.Equal(view.Groups, root.GetProperty("groups").Deserialize<List<Group>>(Web)!);
        var user = root.GetProperty("user").Deserialize<User>(Web)!;
        Assert.Equal(
            (uid, "Europe/Paris", "04:00", "sunday", false),
            (user.Id, user.TimeZone, user.ResetTime, user.WeekStart, user.SingleRunning));
        Assert.Equal(
            (view.User!.Id, view.User.TimeZone, view.User.ResetTime, view.User.WeekStart, view.User.SingleRunning),
            (user.Id, user.TimeZone, user.ResetTime, user.WeekStart, user.SingleRunning));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheCsvExportIsAZipOfTheFiveTablesWithARowPerSessionDeletedOnesToo(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var server = ClientKit.RestClient(app, uid);
        await using var view = await ClientKit.ViewAsync(app, uid);
        await FillAsync(app, server, view);
        await ClientKit.AssertEqualToServerAsync(server, view);

        using var body = new MemoryStream();
        await server.ExportAsync(body, ExportFormat.CsvZip, Ct);

        body.Position = 0;
        await using var zip = new ZipArchive(body);
        Assert.Equal(["changes.csv", "daily_times.csv", "groups.csv", "sessions.csv", "user.csv"], zip.Entries.Select(e => e.FullName).Order());
        Assert.Equal(["Write", "Read", "Old notes"], await ColumnAsync(zip, "sessions.csv", "title"));
        Assert.Equal(["Work", "Home"], await ColumnAsync(zip, "groups.csv", "name"));
        var user = await LinesAsync(zip, "user.csv");
        Assert.Equal(2, user.Count);
        Assert.Contains("Europe/Paris", user[1].Split(','));
        Assert.True((await LinesAsync(zip, "changes.csv")).Count > 1, "changes.csv holds the change feed");
        Assert.True((await LinesAsync(zip, "daily_times.csv")).Count > 1, "daily_times.csv holds the credited time");
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AfterDeletingTheAccountAViewOfTheSameTokenStartsEmptyAndTheOldSeqIsGone(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        var token = app.Tokens.Mint(uid);
        AccessTokenProvider sameToken = _ => ValueTask.FromResult(token);
        using var server = new FocusSyncClient(app.Address, sameToken);
        var oldSeq = 0L;
        await using (var before = await ClientKit.ConnectAsync(ClientKit.Options(app, sameToken)))
        {
            await FillAsync(app, server, before);
            await ClientKit.AssertEqualToServerAsync(server, before);
            oldSeq = before.Seq;
        }

        await server.DeleteAccountAsync(Ct);

        await using var after = await ClientKit.ConnectAsync(ClientKit.Options(app, sameToken));
        Assert.Empty(after.Sessions);
        Assert.Empty(after.Groups);
        Assert.Equal(("UTC", "00:00", true), (after.User!.TimeZone, after.User.ResetTime, after.User.SingleRunning));
        var gone = await Assert.ThrowsAsync<FocusSyncGoneException>(() => server.GetChangesAsync(oldSeq, cancellationToken: Ct));
        Assert.Equal(HttpStatusCode.Gone, gone.Status);
        await after.CreateSessionAsync(NewSession.Stopwatch("A fresh start"), Ct);
        await ClientKit.AssertEqualToServerAsync(server, after);
        Assert.Equal(["A fresh start"], after.Sessions.Select(s => s.Title));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AViewLeftOpenWhileTheAccountIsDeletedElsewhereStopsForGoodAndStartsNoNewAccount(Db db)
    {
        await using var app = await ClientKit.StartAppAsync(db);
        var uid = FocusSyncApp.NewUserId();
        using var server = ClientKit.RestClient(app, uid);
        await using var open = await ClientKit.ViewAsync(app, uid);
        await FillAsync(app, server, open);
        await ClientKit.AssertEqualToServerAsync(server, open);

        await server.DeleteAccountAsync(Ct);

        await open.UntilAsync(() => open.ConnectionState == ConnectionState.AccountDeleted, "the open view stops on the account's deletion");
        // Reconnecting with the still-valid token would have made a new, empty account: none exists, and the stopped view
        // makes no more requests.
        Assert.Equal(0, await app.QueryAsync(db => db.Users.CountAsync(u => u.Id == uid, Ct)));
    }

    /// <summary>
    /// Changed settings, two groups, a countdown in a group that ran ten minutes, a running stopwatch and a deleted
    /// session, made through the view where it can and through REST otherwise; returns the deleted session's id.
    /// </summary>
    private static async Task<long> FillAsync(FocusSyncApp app, FocusSyncClient server, FocusSyncView view)
    {
        await server.UpdateSettingsAsync(new SettingsChanges(TimeZone: "Europe/Paris", ResetTime: "04:00", WeekStart: "sunday", SingleRunning: false), Ct);
        var work = await server.CreateGroupAsync("Work", cancellationToken: Ct);
        await server.CreateGroupAsync("Home", "evenings", Ct);
        var write = await server.CreateSessionAsync(NewSession.Countdown("Write", TimeSpan.FromMinutes(25), 60, work.Id), cancellationToken: Ct);
        await view.CreateSessionAsync(NewSession.Stopwatch("Read"), Ct);
        await view.CreateSessionAsync(NewSession.Countdown("Old notes", TimeSpan.FromMinutes(5), 10), Ct);
        await view.SyncedAsync();
        await view.StartSessionAsync(write.Id, Ct);
        await view.SyncedAsync();
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await server.PauseAsync(write.Id, cancellationToken: Ct);
        var read = view.Sessions.Single(s => s.Title == "Read").Id;
        await view.StartSessionAsync(read, Ct);
        var old = view.Sessions.Single(s => s.Title == "Old notes").Id;
        await view.DeleteSessionAsync(old, Ct);
        await view.SyncedAsync();
        return old;
    }

    /// <summary>One column of a CSV file whose cells hold no comma, quote or line break.</summary>
    private static async Task<List<string>> ColumnAsync(ZipArchive zip, string name, string column)
    {
        var lines = await LinesAsync(zip, name);
        var index = lines[0].Split(',').ToList().IndexOf(column);
        Assert.True(index >= 0, $"{name} has no {column} column: {lines[0]}");
        return [.. lines.Skip(1).Select(line => line.Split(',')[index])];
    }

    private static async Task<List<string>> LinesAsync(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(await zip.GetEntry(name)!.OpenAsync(Ct));
        var lines = new List<string>();
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
