using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Sessions;

public sealed class SessionLifecycleTests(Apps apps) : IClassFixture<Apps>
{
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
}
