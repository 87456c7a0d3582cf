using System.Net;
using System.Net.Http.Json;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Groups;

public sealed class GroupApiTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task GroupsAreCreatedListedEditedAndDeleted(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        using var created = await client.PostAsJsonAsync("/groups", new { name = "Work", description = "Day job" }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var group = await created.JsonAsync();
        Assert.Equal($"/groups/{group.Id()}", created.Headers.Location?.OriginalString);
        Assert.Equal("Work", group.Str("name"));
        Assert.Equal("Day job", group.Str("description"));
        var bare = await client.PostAsJsonAsync("/groups", new { name = "Home" }, cancellationToken: TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("", bare.Str("description"));

        Assert.Equal(["Work", "Home"], (await client.Api.GetGroupsAsync(TestContext.Current.CancellationToken)).Select(g => g.Name));

        var edited = await client.PatchJsonAsync($"/groups/{group.Id()}", new { name = "Office" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Office", edited.Str("name"));
        Assert.Equal("Day job", edited.Str("description"));
        var cleared = await client.SendJsonAsync(HttpMethod.Patch, $"/groups/{group.Id()}", """{"description":null}""")
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("", cleared.Str("description"));

        await client.DeleteGroupAsync(group.Id());
        await client.DeleteAsync($"/groups/{group.Id()}", TestContext.Current.CancellationToken).ExpectProblemAsync(HttpStatusCode.NotFound);
        await client.PatchJsonAsync($"/groups/{group.Id()}", new { name = "x" }).ExpectProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(["Home"], (await client.Api.GetGroupsAsync(TestContext.Current.CancellationToken)).Select(g => g.Name));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DeletingAGroupLeavesItsSessionsUngrouped(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var groupId = await client.CreateGroupIdAsync();
        var kept = await client.CreateSessionIdAsync(new NewSession("kept", 60, 1, groupId));
        var gone = await client.CreateSessionIdAsync(new NewSession("gone", 60, 1, groupId));
        await client.DeleteSessionAsync(gone);

        await client.DeleteGroupAsync(groupId);

        var session = await client.GetSessionAsync(kept);
        Assert.Null(session.GroupId);
        Assert.Equal("kept", session.Title);
        await client.PostAsJsonAsync("/sessions", new { title = "late", groupId, initialDuration = 60, dailyGoalMinutes = 1 }, cancellationToken: TestContext.Current.CancellationToken).ExpectInvalidAsync("groupId");
    }

    public static TheoryData<Db, string, string> InvalidGroups()
    {
        var bodies = new (string Body, string Field)[]
        {
            ("""{}""", "name"),
            ("""{"name":""}""", "name"),
            ("""{"name":"  "}""", "name"),
            ($$"""{"name":"{{new string('n', 101)}}"}""", "name"),
            ("""{"name":3}""", "name"),
            ($$"""{"name":"ok","description":"{{new string('d', 1001)}}"}""", "description"),
            ("""{"name":"ok","description":false}""", "description"),
            ("""{"name":"ok","color":"red"}""", "color"),
            ("""{"name":""", "body"),
            ("""{"name":"a","name":"b"}""", "body"),
        };
        return Databases.Each(bodies);
    }

    [Theory]
    [MemberData(nameof(InvalidGroups))]
    public async Task AnInvalidGroupIsA400NamingTheFieldAndChangesNothing(Db db, string body, string field)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var groupId = await client.CreateGroupIdAsync("Original");

        await client.SendJsonAsync(HttpMethod.Post, "/groups", body).ExpectInvalidAsync(field);
        if (body != "{}")
        {
            await client.SendJsonAsync(HttpMethod.Patch, $"/groups/{groupId}", body).ExpectInvalidAsync(field);
        }

        var only = Assert.Single(await client.Api.GetGroupsAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Original", only.Name);
        Assert.Equal("", only.Description);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task TheLimitsOfNameAndDescriptionAreAccepted(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var group = await client.PostAsJsonAsync("/groups", new { name = new string('n', 100), description = new string('d', 1000) }, cancellationToken: TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(100, group.Str("name").Length);
        Assert.Equal(1000, group.Str("description").Length);
    }
}
