using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Auth;

/// <summary>
/// Name and email claims reach the users table cleaned and cut to their columns; PostgreSQL refuses NUL
/// and overlong text, which would fail every request of that user.
/// </summary>
public sealed class ClaimStorageTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ControlCharactersInTheNameAndEmailAreDroppedAndTheUserKeepsUsingTheApi(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var client = ClientWith(app, app.Tokens.Mint(FocusSyncApp.NewUserId(), payload: p =>
        {
            p["name"] = "Ada\u0000 Love\u0007lace\u0085";
            p["email"] = "ada\u0001@exam\u007Fple.com\r\n";
        }));

        var stored = await UseTheApiAsync(client);

        Assert.Equal(("Ada Lovelace", "ada@example.com"), stored);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ANameAndEmailLongerThanTheirColumnsAreCutToFitAndTheUserKeepsUsingTheApi(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var email = new string('e', 400) + "@example.com";
        using var client = ClientWith(app, app.Tokens.Mint(FocusSyncApp.NewUserId(), payload: p =>
        {
            p["name"] = new string('n', 10_000);
            p["email"] = email;
        }));

        var stored = await UseTheApiAsync(client);

        Assert.Equal((new string('n', 200), email[..320]), stored);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ACutNameKeepsItsLastTextElementWhole(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var client = ClientWith(app, app.Tokens.Mint(FocusSyncApp.NewUserId(), payload: p =>
            p["name"] = new string('x', 198) + "\U0001F469\u200D\U0001F4BB" + "tail"));

        var stored = await UseTheApiAsync(client);

        Assert.Equal(new string('x', 198), stored.Name);
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ATokenWithANulInItsSubIsA401Problem(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var client = ClientWith(app, app.Tokens.Mint("user\u0000nul"));

        using var response = await client.PostAsync("/me/login", null, TestContext.Current.CancellationToken);

        await ApiClient.AssertProblemDetailAsync(response, HttpStatusCode.Unauthorized);
    }

    /// <summary>
    /// Creates the user with a first change, logs in, and uses the API again; returns the name and email
    /// as read back from the database.
    /// </summary>
    private static async Task<(string? Name, string? Email)> UseTheApiAsync(HttpClient client)
    {
        using (var created = await client.PostAsync("/sessions", Json("""{"title":"Write","initialDuration":1500,"dailyGoalMinutes":60}""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var login = await client.PostAsync("/me/login", null))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        using (var again = await client.PostAsync("/groups", Json("""{"name":"Work"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        }

        using var sessions = await client.GetAsync("/sessions");
        Assert.Equal(HttpStatusCode.OK, sessions.StatusCode);
        var me = await client.GetFromJsonAsync<StoredUser>("/me");
        Assert.NotNull(me);
        return (me.Name, me.Email);
    }

    private static HttpClient ClientWith(FocusSyncApp app, string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private sealed record StoredUser(string Id, string? Name, string? Email);
}
