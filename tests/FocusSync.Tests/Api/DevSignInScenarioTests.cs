using System.Net;
using System.Net.Http.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Api;

/// <summary>The README's walk-through: development sign-in, then the session lifecycle.</summary>
public sealed class DevSignInScenarioTests
{
    [Theory]
    [ClassData(typeof(Databases))]
    public async Task DevelopmentSignInDrivesTheWholeLifecycle(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions { SignIn = SignIn.Development });
        using var anonymous = app.CreateClient();

        var issued = await anonymous.PostAsJsonAsync("/dev/token", new { uid = "readme-user", name = "Readme", email = "readme@example.com" }, cancellationToken: TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        using var client = app.ClientFor("readme-user", issued.Str("token"));

        var me = await client.PostAsync("/me/login", null, TestContext.Current.CancellationToken).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("readme-user", me.Str("id"));
        Assert.Equal("Readme", me.Str("name"));
        Assert.Equal("readme@example.com", me.Str("email"));
        var id = await client.CreateSessionIdAsync(new { title = "Write the README", initialDuration = 1500, dailyGoalMinutes = 120 });
        await client.ActAsync(id, "start");
        app.Clock.Advance(TimeSpan.FromMilliseconds(42_500));
        var paused = await client.ActAsync(id, "pause");

        Assert.Equal(42.5, paused.Num("focusSeconds"));
        Assert.Equal(1500 - 42.5, paused.Num("timeLeft"));
        Assert.Equal(42.5, (await client.ListAsync()).Sessions().Single().Num("focusSeconds"));
    }
}
