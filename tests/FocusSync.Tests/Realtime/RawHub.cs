using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Realtime;

/// <summary>
/// SignalR's HTTP protocol spoken by hand, request by request, so a test can send any user's token
/// with any connection token: negotiate, then long polls (GET), sends (POST) and DELETE on <c>?id=</c>.
/// </summary>
internal static class RawHub
{
    public const char RecordSeparator = '\u001e';
    public const string Handshake = "{\"protocol\":\"json\",\"version\":1}\u001e";

    /// <summary>POST /hubs/sessions/negotiate as <paramref name="token"/>'s user; the response as it came.</summary>
    public static Task<HttpResponseMessage> NegotiateAsync(HttpClient http, string token) =>
        http.SendAsync(Request(HttpMethod.Post, $"{HubClients.HubPath}/negotiate?negotiateVersion=1", token));

    /// <summary>Negotiates as <paramref name="token"/>'s user and returns the connection token.</summary>
    public static async Task<string> NegotiateTokenAsync(HttpClient http, string token)
    {
        using var response = await NegotiateAsync(http, token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"negotiate → {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("connectionToken").GetString()!;
    }

    /// <summary>
    /// A long-polling connection of <paramref name="token"/>'s user that has completed the handshake: negotiate
    /// (unless <paramref name="negotiated"/> is given), the first poll (answered at once), the handshake, and the
    /// poll that brings its answer.
    /// </summary>
    public static async Task<string> ConnectLongPollingAsync(HttpClient http, string token, string? negotiated = null)
    {
        var id = negotiated ?? await NegotiateTokenAsync(http, token);
        using (var first = await PollAsync(http, id, token))
        {
            first.EnsureSuccessStatusCode();
        }

        using (var handshake = await SendAsync(http, id, token, Handshake))
        {
            handshake.EnsureSuccessStatusCode();
        }

        using var answer = await PollAsync(http, id, token);
        Assert.Equal("{}" + RecordSeparator, await answer.Content.ReadAsStringAsync());
        return id;
    }

    public static Task<HttpResponseMessage> PollAsync(HttpClient http, string id, string token, CancellationToken cancellationToken = default) =>
        http.SendAsync(Request(HttpMethod.Get, Path(id), token), cancellationToken);

    public static Task<HttpResponseMessage> SendAsync(HttpClient http, string id, string token, string body)
    {
        var request = Request(HttpMethod.Post, Path(id), token);
        request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        return http.SendAsync(request);
    }

    public static Task<HttpResponseMessage> DeleteAsync(HttpClient http, string id, string token) =>
        http.SendAsync(Request(HttpMethod.Delete, Path(id), token));

    /// <summary>A GET for <paramref name="id"/> that asks for the Server-Sent Events transport.</summary>
    public static Task<HttpResponseMessage> EventStreamAsync(HttpClient http, string id, string token, CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Get, Path(id), token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>The JSON messages of a poll's body: each record up to its separator.</summary>
    public static async Task<List<JsonElement>> MessagesAsync(HttpResponseMessage poll)
    {
        var text = await poll.Content.ReadAsStringAsync();
        return [.. text.Split(RecordSeparator, StringSplitOptions.RemoveEmptyEntries).Select(m => JsonDocument.Parse(m).RootElement.Clone())];
    }

    public static string Path(string id) => $"{HubClients.HubPath}?id={Uri.EscapeDataString(id)}";

    private static HttpRequestMessage Request(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
