using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FocusSync.Client;

/// <summary>
/// A typed client of every FocusSync endpoint. Each request carries a token from the <see cref="AccessTokenProvider"/>;
/// a refusal throws a <see cref="FocusSyncApiException"/> (or one of its subclasses) with the server's problem details.
/// Thread-safe: one instance serves a whole app.
/// </summary>
public sealed class FocusSyncClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly AccessTokenProvider _tokens;

    /// <summary>A client of the service at <paramref name="baseAddress"/>, on its own <see cref="HttpClient"/>.</summary>
    public FocusSyncClient(Uri baseAddress, AccessTokenProvider tokens, HttpMessageHandler? handler = null)
        : this(new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = baseAddress }, tokens, ownsHttp: true)
    {
    }

    /// <summary>A client on the caller's <paramref name="http"/> (its <see cref="HttpClient.BaseAddress"/> is the service's), which it does not dispose.</summary>
    public FocusSyncClient(HttpClient http, AccessTokenProvider tokens)
        : this(http, tokens, ownsHttp: false)
    {
    }

    private FocusSyncClient(HttpClient http, AccessTokenProvider tokens, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http.BaseAddress, nameof(http));
        _http = http;
        _tokens = tokens;
        _ownsHttp = ownsHttp;
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Asks a server in development sign-in mode for a token of <paramref name="uid"/> (<c>POST /dev/token</c>).</summary>
    public static async Task<DevelopmentToken> IssueDevelopmentTokenAsync(
        HttpClient anonymous, string uid, string? name = null, string? email = null, CancellationToken cancellationToken = default)
    {
        using var response = await anonymous.PostAsJsonAsync(new Uri("dev/token", UriKind.Relative), new { uid, name = name ?? uid, email }, Json.Options, cancellationToken)
            .ConfigureAwait(false);
        await ThrowIfRefusedAsync(response, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<DevelopmentToken>(Json.Options, cancellationToken).ConfigureAwait(false))!;
    }

    public Task<User> LoginAsync(CancellationToken cancellationToken = default) => SendAsync<User>(HttpMethod.Post, "me/login", null, cancellationToken);

    public Task<User> GetMeAsync(CancellationToken cancellationToken = default) => SendAsync<User>(HttpMethod.Get, "me", null, cancellationToken);

    public Task<User> UpdateSettingsAsync(SettingsChanges changes, CancellationToken cancellationToken = default) =>
        SendAsync<User>(HttpMethod.Patch, "me", JsonSerializer.SerializeToNode(changes, Json.Options), cancellationToken);

    /// <summary>
    /// Writes everything the server keeps about the user to <paramref name="destination"/> (<c>GET /me/export</c>):
    /// one JSON document, or with <see cref="ExportFormat.CsvZip"/> a ZIP of CSV files.
    /// </summary>
    public async Task ExportAsync(Stream destination, ExportFormat format = ExportFormat.Json, CancellationToken cancellationToken = default)
    {
        using var request = await RequestAsync(HttpMethod.Get, "me/export", null, cancellationToken).ConfigureAwait(false);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(format == ExportFormat.CsvZip ? "text/csv" : "application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await ThrowIfRefusedAsync(response, cancellationToken).ConfigureAwait(false);
        await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the user's account and all their data (<c>DELETE /me</c>).</summary>
    public Task DeleteAccountAsync(CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Delete, "me", null, cancellationToken);

    public Task<SessionList> GetSessionsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<SessionList>(HttpMethod.Get, "sessions", null, cancellationToken);

    public Task<Session> GetSessionAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<Session>(HttpMethod.Get, $"sessions/{id}", null, cancellationToken);

    /// <summary>Creates a session; a retry with the same <paramref name="idempotencyKey"/> creates nothing more.</summary>
    public Task<Session> CreateSessionAsync(
        NewSession session, string? idempotencyKey = null, long? at = null, CancellationToken cancellationToken = default)
    {
        var body = session.ToBody();
        if (at is { } instant)
        {
            body["at"] = instant;
        }

        return SendAsync<Session>(HttpMethod.Post, "sessions", body, cancellationToken, idempotencyKey);
    }

    /// <summary>Starts a session; a retry with the same <paramref name="idempotencyKey"/> returns the first answer and changes nothing.</summary>
    public Task<Session> StartAsync(long id, ActionTiming? timing = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Session>(HttpMethod.Post, $"sessions/{id}/actions/start", TimingBody(timing), cancellationToken, idempotencyKey);

    /// <summary>Pauses a session; a retry with the same <paramref name="idempotencyKey"/> returns the first answer and changes nothing.</summary>
    public Task<Session> PauseAsync(long id, ActionTiming? timing = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Session>(HttpMethod.Post, $"sessions/{id}/actions/pause", TimingBody(timing), cancellationToken, idempotencyKey);

    /// <summary>Resets a session's countdown; a retry with the same <paramref name="idempotencyKey"/> returns the first answer and changes nothing.</summary>
    public Task<Session> ResetAsync(long id, ActionTiming? timing = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<Session>(HttpMethod.Post, $"sessions/{id}/actions/reset", TimingBody(timing), cancellationToken, idempotencyKey);

    /// <summary>Resets every session as one change; a retry with the same <paramref name="idempotencyKey"/> returns the first answer and changes nothing.</summary>
    public Task<SessionList> ResetAllAsync(long? at = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync<SessionList>(HttpMethod.Post, "sessions/actions/reset-all", TimingBody(new ActionTiming(at)), cancellationToken, idempotencyKey);

    /// <summary>Edits a session; a retry with the same <paramref name="idempotencyKey"/> returns the first answer and changes nothing.</summary>
    public Task<Session> EditSessionAsync(
        long id, SessionChanges changes, ActionTiming? timing = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var body = changes.ToBody();
        foreach (var (name, value) in TimingBody(timing) ?? [])
        {
            body[name] = value?.DeepClone();
        }

        return SendAsync<Session>(HttpMethod.Patch, $"sessions/{id}", body, cancellationToken, idempotencyKey);
    }

    /// <summary>Deletes a session; a retry with the same <paramref name="idempotencyKey"/> succeeds again instead of finding it gone.</summary>
    public Task DeleteSessionAsync(long id, ActionTiming? timing = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (timing?.At is { } at)
        {
            query.Add("at=" + at.ToString(CultureInfo.InvariantCulture));
        }

        if (timing?.BaseVersion is { } version)
        {
            query.Add("baseVersion=" + version.ToString(CultureInfo.InvariantCulture));
        }

        return SendAsync(HttpMethod.Delete, $"sessions/{id}" + (query.Count > 0 ? "?" + string.Join("&", query) : ""), null, cancellationToken, idempotencyKey);
    }

    public async Task<IReadOnlyList<Group>> GetGroupsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<GroupList>(HttpMethod.Get, "groups", null, cancellationToken).ConfigureAwait(false)).Groups;

    public Task<Group> CreateGroupAsync(string name, string? description = null, CancellationToken cancellationToken = default) =>
        SendAsync<Group>(HttpMethod.Post, "groups", new JsonObject { ["name"] = name, ["description"] = description }, cancellationToken);

    /// <summary>Renames or redescribes a group: null leaves a field as it is.</summary>
    public Task<Group> EditGroupAsync(long id, string? name = null, string? description = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject();
        if (name is not null)
        {
            body["name"] = name;
        }

        if (description is not null)
        {
            body["description"] = description;
        }

        return SendAsync<Group>(HttpMethod.Patch, $"groups/{id}", body, cancellationToken);
    }

    public Task DeleteGroupAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"groups/{id}", null, cancellationToken);

    /// <summary>Time per session per bucket; <paramref name="from"/> and <paramref name="to"/> are user-days, inclusive.</summary>
    public Task<AnalyticsReport> GetAnalyticsAsync(
        AnalyticsPeriod period = AnalyticsPeriod.Daily, DateOnly? from = null, DateOnly? to = null, long? groupId = null,
        CancellationToken cancellationToken = default)
    {
        var query = new List<string> { "period=" + period.ToString().ToLowerInvariant() };
        if (from is { } first)
        {
            query.Add("from=" + first.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (to is { } last)
        {
            query.Add("to=" + last.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (groupId is { } group)
        {
            query.Add("groupId=" + group.ToString(CultureInfo.InvariantCulture));
        }

        return SendAsync<AnalyticsReport>(HttpMethod.Get, "analytics?" + string.Join("&", query), null, cancellationToken);
    }

    /// <summary>The events after <paramref name="since"/> (<c>GET /changes</c>); a <see cref="FocusSyncGoneException"/> means fetch everything again.</summary>
    public Task<ChangePage> GetChangesAsync(long since, int? limit = null, CancellationToken cancellationToken = default) =>
        SendAsync<ChangePage>(
            HttpMethod.Get,
            $"changes?since={since.ToString(CultureInfo.InvariantCulture)}" + (limit is { } n ? $"&limit={n.ToString(CultureInfo.InvariantCulture)}" : ""),
            null, cancellationToken);

    /// <summary>Applies up to 100 operations in order (<c>POST /sync</c>); a refused one is a result, not an exception.</summary>
    public Task<SyncResponse> SyncAsync(IReadOnlyList<SyncOperation> operations, CancellationToken cancellationToken = default) =>
        SendAsync<SyncResponse>(HttpMethod.Post, "sync", new JsonObject { ["operations"] = JsonSerializer.SerializeToNode(operations, Json.Options) }, cancellationToken);

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal Task<string> TokenAsync(CancellationToken cancellationToken) => _tokens(cancellationToken).AsTask();

    private static JsonObject? TimingBody(ActionTiming? timing)
    {
        if (timing is null || (timing.At is null && timing.BaseVersion is null))
        {
            return null;
        }

        var body = new JsonObject();
        if (timing.At is { } at)
        {
            body["at"] = at;
        }

        if (timing.BaseVersion is { } version)
        {
            body["baseVersion"] = version;
        }

        return body;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var request = await RequestAsync(method, path, body, cancellationToken, idempotencyKey).ConfigureAwait(false);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfRefusedAsync(response, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync<T>(Json.Options, cancellationToken).ConfigureAwait(false))
            ?? throw new FocusSyncApiException($"{method} /{path} answered {(int)response.StatusCode} with no body.");
    }

    private async Task SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var request = await RequestAsync(method, path, body, cancellationToken, idempotencyKey).ConfigureAwait(false);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfRefusedAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpRequestMessage> RequestAsync(
        HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(cancellationToken).ConfigureAwait(false));
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json.Options);
        }

        return request;
    }

    private static async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        Problem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is { } type && type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync<Problem>(Json.Options, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Not a problem document (a proxy's error page, say): the status alone tells what happened.
            }
        }

        throw FocusSyncApiException.For(response.StatusCode, problem ?? new Problem(null, response.ReasonPhrase, (int)response.StatusCode, null));
    }
}
