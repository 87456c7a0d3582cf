using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Tests.Sessions;

public sealed class SessionApiTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task CreatingASessionIs201WithItsLocationAndAPausedFullCountdown(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        using var response = await client.PostAsJsonAsync("/sessions", new { title = "Read", initialDuration = 600, dailyGoalMinutes = 30 }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var session = await response.JsonAsync();
        Assert.Equal($"/sessions/{session.Id()}", response.Headers.Location?.OriginalString);
        Assert.Equal("Read", session.Str("title"));
        Assert.Equal("PAUSED", session.Str("state"));
        Assert.False(session.GetProperty("noGoal").GetBoolean());
        Assert.Equal(600, session.GetProperty("initialDuration").GetInt32());
        Assert.Equal(600, session.Num("timeLeft"));
        Assert.Equal(30, session.GetProperty("dailyGoalMinutes").GetInt32());
        Assert.Equal(0, session.Num("focusSeconds"));
        Assert.False(session.GetProperty("isCompleted").GetBoolean());
        Assert.True(session.IsNull("targetTimeMs"));
        Assert.True(session.IsNull("runStartedAtMs"));
        Assert.True(session.IsNull("groupId"));
        Assert.Equal(1, session.Version());
        Assert.Equal(session.AsRead(), await ReadRawAsync(client, session.Id()));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AGoallessSessionHasNoCountdownFields(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var session = await client.CreateSessionAsync(NewSession.Stopwatch("Free"));
        var started = await client.ActAsync(session.Id, "start");

        foreach (var s in new[] { session, started })
        {
            Assert.True(s.NoGoal);
            Assert.True(s is { InitialDuration: null, TimeLeft: null, TargetTimeMs: null, DailyGoalMinutes: null }, $"countdown fields should be null: {s}");
        }

        Assert.Equal("RUNNING", started.State);
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), started.RunStartedAtMs);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ListingReturnsLiveSessionsOldestFirstWithSeqAndServerTime(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var empty = await client.ListAsync();
        Assert.Empty(empty.Sessions);

        var a = await client.CreateSessionIdAsync(new NewSession("A", 60, 1));
        var b = await client.CreateSessionIdAsync(new NewSession("B", 60, 1));
        var c = await client.CreateSessionIdAsync(new NewSession("C", 60, 1));
        await client.DeleteAsync($"/sessions/{b}", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.NoContent);

        var list = await client.ListAsync();
        Assert.Equal([a, c], list.Sessions.Select(s => s.Id));
        Assert.Equal(empty.Seq + 4, list.Seq);
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), list.ServerTimeMs);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task GettingASessionCarriesItsVersionAsETag(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        await client.ActAsync(id, "start");

        using var response = await client.GetAsync($"/sessions/{id}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = await response.JsonAsync();
        Assert.Equal(2, session.Version());
        Assert.Equal("\"2\"", response.Headers.ETag?.ToString());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnUnknownSessionIdIsA404Problem(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.GetAsync("/sessions/999999999", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    public static TheoryData<Db, string, string> InvalidCreations()
    {
        var bodies = new (string Body, string Field)[]
        {
            ("""{"initialDuration":60,"dailyGoalMinutes":1}""", "title"),
            ("""{"title":"","initialDuration":60,"dailyGoalMinutes":1}""", "title"),
            ("""{"title":"   ","initialDuration":60,"dailyGoalMinutes":1}""", "title"),
            ($$"""{"title":"{{new string('x', 201)}}","initialDuration":60,"dailyGoalMinutes":1}""", "title"),
            ("""{"title":5,"initialDuration":60,"dailyGoalMinutes":1}""", "title"),
            ("""{"title":"t","dailyGoalMinutes":1}""", "initialDuration"),
            ("""{"title":"t","initialDuration":0,"dailyGoalMinutes":1}""", "initialDuration"),
            ("""{"title":"t","initialDuration":86401,"dailyGoalMinutes":1}""", "initialDuration"),
            ("""{"title":"t","initialDuration":"60","dailyGoalMinutes":1}""", "initialDuration"),
            ("""{"title":"t","initialDuration":1.5,"dailyGoalMinutes":1}""", "initialDuration"),
            ("""{"title":"t","initialDuration":60}""", "dailyGoalMinutes"),
            ("""{"title":"t","initialDuration":60,"dailyGoalMinutes":0}""", "dailyGoalMinutes"),
            ("""{"title":"t","initialDuration":60,"dailyGoalMinutes":1441}""", "dailyGoalMinutes"),
            ("""{"title":"t","initialDuration":60,"dailyGoalMinutes":[1]}""", "dailyGoalMinutes"),
            ("""{"title":"t","noGoal":true,"initialDuration":60}""", "initialDuration"),
            ("""{"title":"t","noGoal":true,"dailyGoalMinutes":5}""", "dailyGoalMinutes"),
            ("""{"title":"t","noGoal":"true","initialDuration":60,"dailyGoalMinutes":1}""", "noGoal"),
            ("""{"title":"t","groupId":"1","initialDuration":60,"dailyGoalMinutes":1}""", "groupId"),
            ("""{"title":"t","initialDuration":60,"dailyGoalMinutes":1,"state":"RUNNING"}""", "state"),
            ("""{"title":"t","initialDuration":60,"dailyGoalMinutes":1,"focusSeconds":100}""", "focusSeconds"),
            ("""{"title":"a","title":"b","initialDuration":60,"dailyGoalMinutes":1}""", "body"),
            ("""{"title":"t","initialDuration":60""", "body"),
            ("""not json""", "body"),
            ("""[]""", "body"),
            ("", "body"),
        };
        return Databases.Each(bodies);
    }

    [Theory]
    [MemberData(nameof(InvalidCreations))]
    public async Task AnInvalidCreationIsA400NamingTheFieldAndCreatesNothing(Db db, string body, string field)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.SendJsonAsync(HttpMethod.Post, "/sessions", body).ExpectInvalidAsync(field);

        Assert.Empty((await client.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheLimitsOfTitleDurationAndGoalAreAccepted(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.CreateSessionAsync(new NewSession("x", 1, 1));
        var longest = await client.CreateSessionAsync(new NewSession(new string('y', 200), 86400, 1440));

        Assert.Equal(200, longest.Title.Length);
        Assert.Equal(2, (await client.ListAsync()).Sessions.Count);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task CreatingInAnotherUsersGroupIsA400NamingGroupId(Db db)
    {
        var app = await apps.ForAsync(db);
        using var owner = app.ClientFor(FocusSyncApp.NewUserId());
        using var other = app.ClientFor(FocusSyncApp.NewUserId());
        var groupId = await owner.CreateGroupIdAsync();

        await other.PostAsJsonAsync("/sessions", new { title = "t", groupId, initialDuration = 60, dailyGoalMinutes = 1 }, cancellationToken: TestContext.Current.CancellationToken).ExpectInvalidAsync("groupId");

        Assert.Empty((await other.ListAsync()).Sessions);
        var mine = await owner.CreateSessionAsync(new NewSession("t", 60, 1, groupId));
        Assert.Equal(groupId, mine.GroupId);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task StartPauseAndResetEachReturn200WithTheNewState(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("t", 3600, 60));
        var now = app.Clock.GetUtcNow().ToUnixTimeMilliseconds();

        var started = await client.ActAsync(id, "start");
        Assert.Equal("RUNNING", started.State);
        Assert.Equal(now, started.RunStartedAtMs);
        Assert.Equal(now + 3_600_000, started.TargetTimeMs);
        Assert.Equal(2, started.Version);

        var paused = await client.ActAsync(id, "pause");
        Assert.Equal("PAUSED", paused.State);
        Assert.Null(paused.TargetTimeMs);
        Assert.Null(paused.RunStartedAtMs);
        Assert.Equal(3, paused.Version);

        var reset = await client.ActAsync(id, "reset");
        Assert.Equal("PAUSED", reset.State);
        Assert.Equal(3600, reset.TimeLeft);
        Assert.False(reset.IsCompleted);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task PausingAfterRunningCreditsExactlyTheTimeRun(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var created = await client.PostAsJsonAsync("/sessions", new { title = "Write", initialDuration = 1500, dailyGoalMinutes = 60 }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken)).GetProperty("id").GetInt64();

        await client.PostAsync($"/sessions/{id}/actions/start", null, TestContext.Current.CancellationToken);
        app.Clock.Advance(TimeSpan.FromMilliseconds(90_250));
        var paused = await (await client.PostAsync($"/sessions/{id}/actions/pause", null, TestContext.Current.CancellationToken)).Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("PAUSED", paused.GetProperty("state").GetString());
        Assert.Equal(90.25, paused.GetProperty("focusSeconds").GetDouble());
        Assert.Equal(1500 - 90.25, paused.GetProperty("timeLeft").GetDouble());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ResettingARunningSessionCreditsItsRunAndRestoresTheCountdown(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("t", 600, 10));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromMilliseconds(12_345));

        var reset = await client.ActAsync(id, "reset");

        Assert.Equal("PAUSED", reset.State);
        Assert.Equal(600, reset.TimeLeft);
        Assert.Equal(12.345, reset.FocusSeconds);
        Assert.Equal(3, reset.Version);
        Assert.Equal(12_345, (await app.Services.CreditedMsAsync(id)).Values.Sum());
        Assert.Equal(reset, (await client.ActAsync(id, "reset")));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task StartingARunningSessionOrPausingAPausedOneChangesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();

        var paused = await client.ActAsync(id, "pause");
        Assert.Equal(1, paused.Version);
        Assert.Equal("PAUSED", paused.State);

        var started = await client.ActAsync(id, "start");
        var seq = (await client.ListAsync()).Seq;
        var again = await client.ActAsync(id, "start");

        Assert.Equal(started, again);
        Assert.Equal(seq, (await client.ListAsync()).Seq);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task StartingASessionPausesTheOtherRunningOneUnderSingleRunning(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var a = await client.CreateSessionIdAsync();
        var b = await client.CreateSessionIdAsync();

        await client.ActAsync(a, "start");
        await client.ActAsync(b, "start");

        var states = (await client.ListAsync()).Sessions.ToDictionary(s => s.Id, s => s.State);
        Assert.Equal("PAUSED", states[a]);
        Assert.Equal("RUNNING", states[b]);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task WithoutSingleRunningTwoSessionsRunTogether(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.PatchJsonAsync("/me", new { singleRunning = false }).ExpectAsync(HttpStatusCode.OK);
        var a = await client.CreateSessionIdAsync();
        var b = await client.CreateSessionIdAsync();

        await client.ActAsync(a, "start");
        await client.ActAsync(b, "start");

        Assert.All((await client.ListAsync()).Sessions, s => Assert.Equal("RUNNING", s.State));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ResetAllResetsEverySessionAndReturnsTheList(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        await client.PatchJsonAsync("/me", new { singleRunning = false }).ExpectAsync(HttpStatusCode.OK);
        var a = await client.CreateSessionIdAsync(new NewSession("a", 600, 10));
        var b = await client.CreateSessionIdAsync(new NewSession("b", 900, 10));
        await client.ActAsync(a, "start");
        await client.ActAsync(b, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(5));
        var seq = (await client.ListAsync()).Seq;

        var list = await client.PostAsync("/sessions/actions/reset-all", null, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(seq + 1, list.GetProperty("seq").GetInt64());
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), list.GetProperty("serverTimeMs").GetInt64());
        var sessions = list.Sessions();
        Assert.Equal([a, b], sessions.Select(s => s.Id()));
        Assert.All(sessions, s => Assert.Equal("PAUSED", s.Str("state")));
        Assert.Equal([600.0, 900.0], sessions.Select(s => s.Num("timeLeft")));
        Assert.All(sessions, s => Assert.Equal(5, s.Num("focusSeconds")));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EditingChangesTheAllowedFieldsAndBumpsTheVersion(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var groupId = await client.CreateGroupIdAsync();
        var id = await client.CreateSessionIdAsync(new NewSession("t", 600, 10));

        using var response = await client.PatchJsonAsync($"/sessions/{id}",
            new { title = "renamed", groupId, dailyGoalMinutes = 45, initialDuration = 1200 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var edited = await response.JsonAsync();
        Assert.Equal("renamed", edited.Str("title"));
        Assert.Equal(groupId, edited.GetProperty("groupId").GetInt64());
        Assert.Equal(45, edited.GetProperty("dailyGoalMinutes").GetInt32());
        Assert.Equal(1200, edited.GetProperty("initialDuration").GetInt32());
        Assert.Equal(1200, edited.Num("timeLeft"));
        Assert.Equal(2, edited.Version());
        Assert.Equal("\"2\"", response.Headers.ETag?.ToString());
        Assert.Equal(edited.AsRead(), await ReadRawAsync(client, id));

        var ungrouped = await client.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", """{"groupId":null}""").ExpectAsync(HttpStatusCode.OK);
        Assert.True(ungrouped.IsNull("groupId"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ChangingTheDurationKeepsTheTimeAlreadyElapsed(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("t", 600, 10));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(100));

        var longer = await client.PatchJsonAsync($"/sessions/{id}", new { initialDuration = 900 }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(800, longer.Num("timeLeft"));
        Assert.Equal("RUNNING", longer.Str("state"));
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeMilliseconds() + 800_000, longer.GetProperty("targetTimeMs").GetInt64());

        var shorter = await client.PatchJsonAsync($"/sessions/{id}", new { initialDuration = 50 }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("PAUSED", shorter.Str("state"));
        Assert.True(shorter.GetProperty("isCompleted").GetBoolean());
        Assert.Equal(0, shorter.Num("timeLeft"));
        Assert.Equal(100, shorter.Num("focusSeconds"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task LengtheningACompletedCountdownMakesItIncompleteWithTheRestLeft(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("t", 60, 10));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.True((await client.GetSessionAsync(id)).IsCompleted);

        var edited = await client.PatchJsonAsync($"/sessions/{id}", new { initialDuration = 100 }).ExpectAsync(HttpStatusCode.OK);

        Assert.False(edited.GetProperty("isCompleted").GetBoolean());
        Assert.Equal(40, edited.Num("timeLeft"));
        Assert.Equal("PAUSED", edited.Str("state"));
        Assert.Equal(60, edited.Num("focusSeconds"));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ChangingTheGoalChangesTodaysRecordedGoal(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("t", 600, 10));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        await client.ActAsync(id, "pause");

        await client.PatchJsonAsync($"/sessions/{id}", new { dailyGoalMinutes = 25 }).ExpectAsync(HttpStatusCode.OK);

        var goals = await app.QueryAsync(d => d.TaskDailyTimes.AsNoTracking().Where(t => t.SessionId == id)
            .Select(t => t.GoalMinutes).ToListAsync());
        Assert.Equal([25], goals);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnEditThatChangesNothingKeepsTheVersion(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("same", 600, 10));

        var edited = await client.PatchJsonAsync($"/sessions/{id}", new { title = "same", initialDuration = 600, dailyGoalMinutes = 10 })
            .ExpectAsync(HttpStatusCode.OK);
        var empty = await client.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", "{}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(1, edited.Version());
        Assert.Equal(1, empty.Version());
    }

    public static TheoryData<Db, string, string> ForbiddenEdits()
    {
        var bodies = new (string Body, string Field)[]
        {
            ("""{"state":"RUNNING"}""", "state"),
            ("""{"timeLeft":1}""", "timeLeft"),
            ("""{"noGoal":true}""", "noGoal"),
            ("""{"version":99}""", "version"),
            ("""{"focusSeconds":9999}""", "focusSeconds"),
            ("""{"isCompleted":true}""", "isCompleted"),
            ("""{"id":5}""", "id"),
            ("""{"title":"sneaky","targetTimeMs":1}""", "targetTimeMs"),
            ("""{"title":""}""", "title"),
            ("""{"title":null}""", "title"),
            ("""{"title":7}""", "title"),
            ("""{"initialDuration":0}""", "initialDuration"),
            ("""{"initialDuration":null}""", "initialDuration"),
            ("""{"dailyGoalMinutes":1441}""", "dailyGoalMinutes"),
            ("""{"dailyGoalMinutes":"10"}""", "dailyGoalMinutes"),
            ("""{"groupId":true}""", "groupId"),
            ("""{"title":""", "body"),
            ("""{"title":"a","title":"b"}""", "body"),
        };
        return Databases.Each(bodies);
    }

    [Theory]
    [MemberData(nameof(ForbiddenEdits))]
    public async Task AnEditOutsideTheAllowListOrLimitsIsA400AndChangesNothing(Db db, string body, string field)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        var before = await client.GetSessionAsync(id);

        await client.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", body).ExpectInvalidAsync(field);

        Assert.Equal(before, (await client.GetSessionAsync(id)));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AStaleIfMatchIs412AndACurrentOneIs200(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        await client.ActAsync(id, "start");

        await client.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", """{"title":"stale"}""", h => h.IfMatch.ParseAdd("\"1\""))
            .ExpectProblemAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal("Write", (await client.GetSessionAsync(id)).Title);

        var edited = await client.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", """{"title":"fresh"}""", h => h.IfMatch.ParseAdd("\"2\""))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("fresh", edited.Str("title"));
        Assert.Equal(3, edited.Version());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task GivingAGoallessSessionAGoalIsA400(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(NewSession.Stopwatch("free"));

        await client.PatchJsonAsync($"/sessions/{id}", new { dailyGoalMinutes = 30 }).ExpectInvalidAsync("dailyGoalMinutes");
        await client.PatchJsonAsync($"/sessions/{id}", new { initialDuration = 300 }).ExpectInvalidAsync("initialDuration");

        var session = await client.GetSessionAsync(id);
        Assert.Null(session.DailyGoalMinutes);
        Assert.Equal(1, session.Version);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task EditingIntoAnotherUsersGroupIsA400(Db db)
    {
        var app = await apps.ForAsync(db);
        using var owner = app.ClientFor(FocusSyncApp.NewUserId());
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var foreignGroup = await owner.CreateGroupIdAsync();
        var id = await client.CreateSessionIdAsync();

        await client.PatchJsonAsync($"/sessions/{id}", new { groupId = foreignGroup }).ExpectInvalidAsync("groupId");

        Assert.Null((await client.GetSessionAsync(id)).GroupId);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DeletingIs204ThenTheSessionIsGoneEverywhere(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync();
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(3));

        using (var response = await client.DeleteAsync($"/sessions/{id}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        }

        await client.DeleteAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.GetAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PostAsync($"/sessions/{id}/actions/start", null, TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PatchJsonAsync($"/sessions/{id}", new { title = "x" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await client.ListAsync()).Sessions);
        var credited = await app.Services.CreditedMsAsync(id);
        Assert.Equal(3000, credited.Values.Sum());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ANonNumericOrNonPositiveIdIsA400NamingId(Db db)
    {
        var app = await apps.ForAsync(db);

        foreach (var id in new[] { "abc", "0", "-1", "1.5", "99999999999999999999", "%201" })
        {
            using var client = app.ClientFor(FocusSyncApp.NewUserId());
            await client.GetAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectInvalidAsync("id");
            await client.PatchJsonAsync($"/sessions/{id}", new { title = "x" }).ExpectInvalidAsync("id");
            await client.DeleteAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectInvalidAsync("id");
            foreach (var action in new[] { "start", "pause", "reset" })
            {
                await client.PostAsync($"/sessions/{id}/actions/{action}", null, TestContext.Current.CancellationToken).ExpectInvalidAsync("id");
            }

            await client.PatchJsonAsync($"/groups/{id}", new { name = "x" }).ExpectInvalidAsync("id");
            await client.DeleteAsync($"/groups/{id}", TestContext.Current.CancellationToken).ExpectInvalidAsync("id");
        }
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task CompletionIsVisibleOnTheFirstReadAfterTheTarget(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("sprint", 90, 5));
        var started = await client.ActAsync(id, "start");
        var target = started.TargetTimeMs;

        app.Clock.Advance(TimeSpan.FromMilliseconds(89_999));
        var before = await client.GetSessionAsync(id);
        Assert.Equal("RUNNING", before.State);
        Assert.Equal(0.001, before.TimeLeft!.Value, 6);

        app.Clock.Advance(TimeSpan.FromSeconds(7));
        Assert.True(app.Clock.GetUtcNow().ToUnixTimeMilliseconds() > target);
        foreach (var session in new[] { await client.GetSessionAsync(id), (await client.ListAsync()).Sessions.Single() })
        {
            Assert.Equal("PAUSED", session.State);
            Assert.True(session.IsCompleted);
            Assert.Equal(0, session.TimeLeft);
            Assert.Equal(90, session.FocusSeconds);
            Assert.Null(session.TargetTimeMs);
            Assert.Null(session.RunStartedAtMs);
        }

        Assert.Equal(90_000, (await app.Services.CreditedMsAsync(id)).Values.Sum());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task StartingACompletedCountdownBeginsAFreshOne(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var id = await client.CreateSessionIdAsync(new NewSession("sprint", 10, 5));
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromSeconds(12));

        var restarted = await client.ActAsync(id, "start");

        Assert.Equal("RUNNING", restarted.State);
        Assert.False(restarted.IsCompleted);
        Assert.Equal(10, restarted.TimeLeft);
        Assert.Equal(10, restarted.FocusSeconds);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TwoUsersMayReuseAnIdempotencyKey(Db db)
    {
        var app = await apps.ForAsync(db);
        using var first = app.ClientFor(FocusSyncApp.NewUserId());
        using var second = app.ClientFor(FocusSyncApp.NewUserId());
        var session = new NewSession("t", 60, 1);

        var a = await first.Api.CreateSessionAsync(session, "shared-key", cancellationToken: TestContext.Current.CancellationToken);
        var b = await second.Api.CreateSessionAsync(session, "shared-key", cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(a.Id, b.Id);
        Assert.Single((await first.ListAsync()).Sessions);
        Assert.Single((await second.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ARetryWithTheSameIdempotencyKeyAndBodyReturnsTheFirstResponseAndCreatesNothing(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        const string body = """{"title":"once","initialDuration":60,"dailyGoalMinutes":1}""";
        var key = Guid.NewGuid().ToString();

        using var first = await client.SendJsonAsync(HttpMethod.Post, "/sessions", body, h => h.Add("Idempotency-Key", key));
        var seq = (await client.ListAsync()).Seq;
        const string sameFieldsReordered = """{ "dailyGoalMinutes": 1, "title": "once",  "initialDuration": 60 }""";
        using var retry = await client.SendJsonAsync(HttpMethod.Post, "/sessions", sameFieldsReordered, h => h.Add("Idempotency-Key", key));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal((await first.JsonAsync()).GetRawText(), (await retry.JsonAsync()).GetRawText());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        var list = await client.ListAsync();
        Assert.Single(list.Sessions);
        Assert.Equal(seq, list.Seq);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentRetriesWithOneIdempotencyKeyCreateOneSession(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.Api.CreateSessionAsync(new NewSession("once", 60, 1), key, cancellationToken: TestContext.Current.CancellationToken)));

        Assert.Single(responses.Distinct());
        Assert.Single((await client.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheSameIdempotencyKeyWithAnotherBodyIsA422(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var key = Guid.NewGuid().ToString();

        await client.Api.CreateSessionAsync(new NewSession("one", 60, 1), key, cancellationToken: TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<FocusSyncValidationException>(
            () => client.Api.CreateSessionAsync(new NewSession("two", 60, 1), key, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);

        Assert.Equal(["one"], (await client.ListAsync()).Sessions.Select(s => s.Title));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ConcurrentCreationsWithOneKeyAndDifferentBodiesCreateOneAndAnswer422ToTheOther(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(new[] { "one", "two" }.Select(async title =>
        {
            using var response = await client.SendJsonAsync(HttpMethod.Post, "/sessions",
                $$"""{"title":"{{title}}","initialDuration":60,"dailyGoalMinutes":1}""", h => h.Add("Idempotency-Key", key));
            return response.StatusCode;
        }));

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.UnprocessableEntity], responses.Order());
        Assert.Single((await client.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AnOverlongIdempotencyKeyIsA400NamingIt(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        const string body = """{"title":"t","initialDuration":60,"dailyGoalMinutes":1}""";

        await client.SendJsonAsync(HttpMethod.Post, "/sessions", body, h => h.Add("Idempotency-Key", new string('k', 201)))
            .ExpectInvalidAsync("Idempotency-Key");

        Assert.Empty((await client.ListAsync()).Sessions);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task CreatingWithoutAnIdempotencyKeyTwiceCreatesTwoSessions(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        await client.CreateSessionAsync();
        await client.CreateSessionAsync();

        Assert.Equal(2, (await client.ListAsync()).Sessions.Count);
    }

    /// <summary>A read of the session as the wire carries it, to compare with a change's answer byte for byte.</summary>
    private static async Task<string> ReadRawAsync(UserClient client, long id) =>
        (await client.GetAsync($"/sessions/{id}", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK)).GetRawText();
}
