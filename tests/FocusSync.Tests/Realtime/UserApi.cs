using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Realtime;

/// <summary>The REST calls the real-time tests make, each checked for success.</summary>
public sealed class UserApi(FocusSyncApp app, string uid) : IDisposable
{
    private readonly HttpClient _http = app.ClientFor(uid);

    public string Uid => uid;

    public Task<JsonElement> CreateSessionAsync(string title = "Focus", int duration = 1500, int goal = 60, long? groupId = null) =>
        SendAsync(HttpMethod.Post, "/sessions", new { title, initialDuration = duration, dailyGoalMinutes = goal, groupId });

    public Task<JsonElement> ActAsync(long id, string action) => SendAsync(HttpMethod.Post, $"/sessions/{id}/actions/{action}");

    public Task<JsonElement> ResetAllAsync() => SendAsync(HttpMethod.Post, "/sessions/actions/reset-all");

    public Task<JsonElement> EditSessionAsync(long id, object body) => SendAsync(HttpMethod.Patch, $"/sessions/{id}", body);

    public Task DeleteSessionAsync(long id) => SendAsync(HttpMethod.Delete, $"/sessions/{id}");

    public Task<JsonElement> ListAsync() => SendAsync(HttpMethod.Get, "/sessions");

    public Task<JsonElement> MeAsync() => SendAsync(HttpMethod.Get, "/me");

    public Task<JsonElement> ChangeSettingsAsync(object body) => SendAsync(HttpMethod.Patch, "/me", body);

    public Task<JsonElement> CreateGroupAsync(string name) => SendAsync(HttpMethod.Post, "/groups", new { name });

    public Task<JsonElement> EditGroupAsync(long id, string name) => SendAsync(HttpMethod.Patch, $"/groups/{id}", new { name });

    public Task DeleteGroupAsync(long id) => SendAsync(HttpMethod.Delete, $"/groups/{id}");

    public async Task<long> SeqAsync() => (await ListAsync()).GetProperty("seq").GetInt64();

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} → {(int)response.StatusCode}: {text}");
        return response.StatusCode == HttpStatusCode.NoContent ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
