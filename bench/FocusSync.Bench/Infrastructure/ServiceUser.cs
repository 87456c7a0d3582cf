using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace FocusSync.Bench.Infrastructure;

/// <summary>A signed-in user of the service with one long countdown session that actions toggle.</summary>
public sealed class ServiceUser(string uid, string token, long sessionId)
{
    private bool _running;

    public string Uid { get; } = uid;

    public string Token { get; } = token;

    public long SessionId { get; } = sessionId;

    /// <summary>Settings that lift the per-caller rate limit: the bench drives many users from one address.</summary>
    public static Dictionary<string, string> UnthrottledSettings() => new()
    {
        ["RateLimits__PermitsPerSecond"] = "100000",
        ["RateLimits__Burst"] = "100000",
        // Benchmarks open thousands of hub connections from one address, most of them for few users.
        ["Realtime__NewConnectionBurstPerUser"] = "100000",
        ["Realtime__NewConnectionsPerMinutePerUser"] = "100000",
        ["Realtime__NewConnectionBurstPerAddress"] = "1000000",
        ["Realtime__NewConnectionsPerMinutePerAddress"] = "1000000",
        ["Realtime__MaxPendingConnectionsPerUser"] = "10000",
        ["Realtime__MaxPendingConnectionsPerAddress"] = "1000000",
    };

    /// <summary>One HttpClient for many concurrent requests: a connection per request in flight.</summary>
    public static HttpClient CreateClient(Uri address) => new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
    {
        BaseAddress = address,
    };

    public static async Task<List<ServiceUser>> CreateManyAsync(
        ServiceProcess service, string prefix, int count, bool withSession, CancellationToken cancellationToken)
    {
        var users = new ServiceUser[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => users[i] = await CreateAsync(service, $"{prefix}-{i}", withSession, ct));
        return [.. users];
    }

    public static async Task<ServiceUser> CreateAsync(ServiceProcess service, string uid, bool withSession, CancellationToken cancellationToken)
    {
        var token = await service.TokenAsync(uid, cancellationToken);
        if (!withSession)
        {
            return new ServiceUser(uid, token, 0);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/sessions")
        {
            Content = JsonContent.Create(new { title = "Bench", initialDuration = 86400, dailyGoalMinutes = 60 }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await service.Http.SendAsync(request, cancellationToken);
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetInt64();
        return new ServiceUser(uid, token, id);
    }

    /// <summary>The user's current seq, from <c>GET /sessions</c>.</summary>
    public async Task<long> SeqAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sessions");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("seq").GetInt64();
    }

    /// <summary>Starts the session if paused, pauses it if running; one action, one event.</summary>
    public async Task ToggleAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var action = _running ? "pause" : "start";
        _running = !_running;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{SessionId}/actions/{action}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
