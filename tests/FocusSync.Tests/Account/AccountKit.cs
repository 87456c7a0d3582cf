using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Api.Data;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Session = FocusSync.Api.Data.Session;
using User = FocusSync.Api.Data.User;

namespace FocusSync.Tests.Account;

internal static class AccountKit
{
    /// <summary>Tables that hold no user's data, each with the reason; every other table must say how its rows belong to a user.</summary>
    private static readonly Dictionary<Type, string> UserFree = new()
    {
        [typeof(SeqFloor)] = "one number for all accounts: the seq a new account starts at",
    };

    /// <summary>
    /// A user with rows in every table: changed settings, two groups, a credited countdown whose title needs quoting
    /// in CSV, a running goalless session, a deleted session, history on two user-days (the clock moves a
    /// day), and a creation under an idempotency key.
    /// </summary>
    public static async Task<UserClient> FullAccountAsync(FocusSyncApp app)
    {
        var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.ChangeSettingsAsync(new SettingsChanges(TimeZone: "Europe/Paris", ResetTime: "04:00", WeekStart: "sunday", SingleRunning: false));
        var work = await client.CreateGroupIdAsync("Work, \"deep\"");
        await client.CreateGroupIdAsync("Home");
        var write = await client.CreateSessionIdAsync(new NewSession("Write, \"draft\"\ntwo", 3600, 30, work));
        await client.StartAsync(write);
        app.Clock.Advance(TimeSpan.FromMinutes(10));
        await client.PauseAsync(write);
        var read = await client.CreateSessionIdAsync(NewSession.Stopwatch("Read"));
        await client.StartAsync(read);
        var gone = await client.CreateSessionIdAsync(new NewSession("Old", 600, 10));
        await client.DeleteSessionAsync(gone);
        app.Clock.Advance(TimeSpan.FromDays(1));
        await client.ListAsync();

        // After the day passed, so that the idempotency record is not pruned as expired.
        using var keyed = new HttpRequestMessage(HttpMethod.Post, "/sessions")
        {
            Content = JsonContent.Create(new { title = "Keyed", initialDuration = 600, dailyGoalMinutes = 10 }),
        };
        keyed.Headers.Add("Idempotency-Key", "key-" + Guid.NewGuid().ToString("N"));
        using var created = await client.SendAsync(keyed);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return client;
    }

    /// <summary>
    /// How many rows of <paramref name="uid"/> each table of the model holds, read table by table from the EF model, so a
    /// table added later is counted too; a table with neither a user's id nor a reason to hold none fails the test.
    /// </summary>
    public static Task<Dictionary<string, int>> RowsOfAsync(FocusSyncApp app, string uid) =>
        app.QueryAsync(async db =>
        {
            var counts = new Dictionary<string, int>();
            foreach (var type in db.Model.GetEntityTypes().Where(t => !UserFree.ContainsKey(t.ClrType)))
            {
                var key = type.ClrType == typeof(User) ? type.FindProperty(nameof(User.Id)) : type.FindProperty(nameof(Session.UserId));
                Assert.True(key is not null,
                    $"{type.DisplayName()} has no known user key: give its rows their user's id (and delete them in DELETE /me), "
                    + "or list it in AccountKit.UserFree with the reason it holds no user's data.");
                var table = type.GetTableName()!;
                var sql = "SELECT COUNT(*) AS \"Value\" FROM \"" + table + "\" WHERE \"" + key.GetColumnName() + "\" = {0}";
                counts[table] = (await db.Database.SqlQueryRaw<int>(sql, uid).ToListAsync()).Single();
            }

            return counts;
        });

    /// <summary>The JSON export (<c>GET /me/export</c>) as the library downloads it, parsed for comparisons with the API's answers.</summary>
    public static async Task<JsonElement> ExportAsync(this UserClient client)
    {
        using var file = new MemoryStream();
        await client.Api.ExportAsync(file, ExportFormat.Json, TestContext.Current.CancellationToken);
        return JsonDocument.Parse(file.ToArray()).RootElement.Clone();
    }
}
