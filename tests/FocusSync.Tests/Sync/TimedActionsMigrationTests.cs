using System.Net;
using System.Security.Cryptography;
using System.Text;
using FocusSync.Api.Data;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Tests.Sync;

/// <summary>
/// The migration that brings timed actions, on a database written by the version before it: the floors start where
/// nothing committed earlier can be after them, and a creation's idempotency key still answers its retry.
/// </summary>
public sealed class TimedActionsMigrationTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private const string Uid = "user-before-upgrade";
    /// <summary>A creation's body with its keys in ordinal order, as the version before hashed it.</summary>
    private const string Body = """{"noGoal":true,"title":"kept"}""";

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ARowOfTheVersionBeforeTimedActionsGetsFloorsThatNothingCommittedFollowsAndItsKeyStillReplays(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var dayEndMs = new DateTimeOffset(2026, 6, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var createdMs = Now.AddHours(-1).ToUnixTimeMilliseconds();
        await using (var old = Context(database))
        {
            await old.Database.MigrateAsync(db == Db.Sqlite ? "20261130160455_ChangeFeed" : "20261130160506_ChangeFeed", TestContext.Current.CancellationToken);
            await old.Database.ExecuteSqlAsync($"""
                INSERT INTO "Users" ("Id", "CreatedAtMs", "TimeZone", "ResetTime", "WeekStart", "SingleRunning", "Seq", "Day", "DayEndMs", "NextDueMs")
                VALUES ({Uid}, {createdMs}, 'UTC', '00:00', 'monday', {true}, {1L}, {new DateOnly(2026, 6, 1)}, {dayEndMs}, {dayEndMs})
                """, TestContext.Current.CancellationToken);
            await old.Database.ExecuteSqlAsync($"""
                INSERT INTO "Sessions" ("Id", "UserId", "Title", "NoGoal", "IsCompleted", "FocusMs", "Version", "CreatedAtMs")
                VALUES ({1L}, {Uid}, 'kept', {true}, {false}, {0L}, {1}, {createdMs})
                """, TestContext.Current.CancellationToken);
            var response = $$"""{"id":1,"title":"kept","groupId":null,"noGoal":true,"initialDuration":null,"timeLeft":null,"targetTimeMs":null,"runStartedAtMs":null,"state":"PAUSED","isCompleted":false,"dailyGoalMinutes":null,"focusSeconds":0,"version":1,"createdAt":"2026-06-01T07:00:00+00:00"}""";
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Body)));
            await old.Database.ExecuteSqlAsync($"""
                INSERT INTO "IdempotentRequests" ("UserId", "Key", "BodyHash", "SessionId", "ResponseJson", "CreatedAtMs")
                VALUES ({Uid}, 'create-before', {hash}, {1L}, {response}, {createdMs})
                """, TestContext.Current.CancellationToken);
        }

        await using var app = FocusSyncApp.Start(database, Now);
        using var client = app.ClientFor(Uid);

        var (user, session) = await app.QueryAsync(async d =>
            (await d.Users.AsNoTracking().SingleAsync(u => u.Id == Uid), await d.Sessions.AsNoTracking().SingleAsync(s => s.Id == 1)));
        Assert.Equal((dayEndMs, 0L, 0L, 0L), (user.DayStartMs, user.ResetAllAtMs, user.RunChangedAtMs, user.SettingsChangedAtMs));
        Assert.Equal(createdMs, session.ChangedAtMs);
        using var retry = await client.SendJsonAsync(HttpMethod.Post, "/sessions", Body, h => h.Add("Idempotency-Key", "create-before"));
        var replayed = await retry.JsonAsync();
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(("/sessions/1", 1L, "kept"), (retry.Headers.Location?.OriginalString, replayed.Id(), replayed.Str("title")));
        var started = await client.SendJsonAsync(HttpMethod.Post, "/sessions/1/actions/start", $$"""{"at":{{createdMs}}}""").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), started.GetProperty("appliedAtMs").GetInt64());
    }

    private static FocusSyncDb Context(TestDatabase database) => database.Db == Db.Sqlite
        ? new SqliteFocusSyncDb(new DbContextOptionsBuilder<SqliteFocusSyncDb>().UseSqlite(database.ConnectionString).Options)
        : new PostgresFocusSyncDb(new DbContextOptionsBuilder<PostgresFocusSyncDb>().UseNpgsql(database.ConnectionString).Options);
}
