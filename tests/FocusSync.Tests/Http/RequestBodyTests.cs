using System.Net;
using System.Text.Json;
using FocusSync.Api.Http;
using FocusSync.Client;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Http;

/// <summary>Request bodies are read by the schema of their record, which the OpenAPI document states too.</summary>
public sealed class RequestBodyTests(Apps apps) : IClassFixture<Apps>
{
    [Fact]
    public async Task TheOpenApiDocumentDescribesEachRequestBodyAsTheServerReadsIt()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.CreateClient();

        var schemas = (await client.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK))
            .GetProperty("components").GetProperty("schemas");

        var create = schemas.GetProperty("CreateSessionRequest");
        Assert.False(create.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["title"], create.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        var duration = create.GetProperty("properties").GetProperty("initialDuration");
        Assert.Equal(["integer", "null"], Types(duration));
        Assert.Equal(1, duration.GetProperty("minimum").GetInt32());
        Assert.Equal(86400, duration.GetProperty("maximum").GetInt32());
        Assert.Equal(200, create.GetProperty("properties").GetProperty("title").GetProperty("maxLength").GetInt32());
        var edit = schemas.GetProperty("EditSessionRequest").GetProperty("properties");
        Assert.Equal(["string"], Types(edit.GetProperty("title")));
        Assert.Equal(["integer", "null"], Types(edit.GetProperty("groupId")));
        Assert.Equal(["null", "string"], Types(schemas.GetProperty("EditGroupRequest").GetProperty("properties").GetProperty("description")));
        var settings = schemas.GetProperty("UserSettingsRequest").GetProperty("properties");
        Assert.Equal(7, settings.GetProperty("weekStart").GetProperty("enum").GetArrayLength());
        Assert.Equal("^([01][0-9]|2[0-3]):[0-5][0-9]$", settings.GetProperty("resetTime").Str("pattern"));
    }

    [Fact]
    public async Task AFieldOfTheWrongTypeGetsOneErrorEvenWhereARuleAcrossFieldsWouldAlsoFlagIt()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());

        var problem = await client.SendJsonAsync(HttpMethod.Post, "/sessions", """{"title":"t","initialDuration":"60","dailyGoalMinutes":1}""")
            .ExpectInvalidAsync("initialDuration");

        Assert.Equal(["'initialDuration' must be a whole number."],
            problem.GetProperty("errors").GetProperty("initialDuration").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task LeavingGroupIdOutKeepsTheGroupAndNullTakesTheSessionOutOfIt(Db db)
    {
        var app = await apps.ForAsync(db);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        var groupId = await client.CreateGroupIdAsync();
        var id = await client.CreateSessionIdAsync(new NewSession("t", 60, 1, groupId));

        var renamed = await client.PatchJsonAsync($"/sessions/{id}", new { title = "renamed" }).ExpectAsync(HttpStatusCode.OK);
        var ungrouped = await client.SendJsonAsync(HttpMethod.Patch, $"/sessions/{id}", """{"groupId":null}""").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(groupId, renamed.GetProperty("groupId").GetInt64());
        Assert.True(ungrouped.IsNull("groupId"));
        Assert.Equal("renamed", ungrouped.Str("title"));
    }

    [Fact]
    public void ARequestRecordWithAFieldThatHasNoLimitIsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BodySchema.Of(typeof(Unbounded)));

        Assert.Contains("Unbounded.Note", error.Message, StringComparison.Ordinal);
    }

    private static string[] Types(JsonElement property) =>
        property.GetProperty("type") is { ValueKind: JsonValueKind.Array } types
            ? [.. types.EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal)]
            : [property.Str("type")];

    private sealed record Unbounded(string Note);
}
