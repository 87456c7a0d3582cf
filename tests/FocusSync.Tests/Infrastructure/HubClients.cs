using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using FocusSync.Api.Realtime;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace FocusSync.Tests.Infrastructure;

public static class HubClients
{
    public const string HubPath = "/hubs/sessions";

    /// <summary>
    /// The token lifetime for tests that move the clock on by hours with a connection open and expect the due-work
    /// job's event on it: with hour-long tokens the server would close it in that same move, and the event could be
    /// sent before the client is back (a real client resyncs; these tests are not about expiry).
    /// </summary>
    public static readonly TimeSpan LongLivedTokens = TimeSpan.FromDays(2);

    /// <summary>
    /// A started hub connection of <paramref name="uid"/> to the app, recording every event. Its tokens live an hour,
    /// as Firebase's do, unless <paramref name="tokenLifetime"/> says otherwise (<see cref="LongLivedTokens"/>).
    /// </summary>
    public static async Task<HubClient> ConnectHubAsync(
        this FocusSyncApp app, string uid, HttpTransportType transport = HttpTransportType.WebSockets, TimeSpan? tokenLifetime = null)
    {
        Func<string?> token = tokenLifetime is { } lifetime
            ? () => app.Tokens.Mint(uid, payload => payload["exp"] = (long)payload["iat"]! + (long)lifetime.TotalSeconds)
            : () => app.Tokens.Mint(uid);
        var client = app.RealSockets ? HubClientAt(app.Address, token, transport) : app.HubClientFor(token, transport);
        await client.Connection.StartAsync();
        return client;
    }

    /// <summary>
    /// An unstarted hub client on the in-memory test server. <paramref name="token"/> gives the bearer token
    /// for each request (null for none); <paramref name="query"/> is appended to the hub URL as it is.
    /// </summary>
    public static HubClient HubClientFor(
        this WebApplicationFactory<Program> app, Func<string?> token, HttpTransportType transport, string query = "")
    {
        var server = app.Server;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, HubPath + query), options =>
            {
                options.Transports = transport;
                options.HttpMessageHandlerFactory = _ => new BearerHandler(token, server.CreateHandler());
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var webSockets = server.CreateWebSocketClient();
                    webSockets.ConfigureRequest = request =>
                    {
                        if (token() is { } value)
                        {
                            request.Headers.Authorization = $"Bearer {value}";
                        }
                    };
                    return await webSockets.ConnectAsync(context.Uri, cancellationToken);
                };
            })
            .Build();
        return new HubClient(connection);
    }

    /// <summary>A hub client on a real server (Kestrel) at <paramref name="baseAddress"/>.</summary>
    public static HubClient HubClientAt(Uri baseAddress, Func<string?> token, HttpTransportType transport = HttpTransportType.WebSockets)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, HubPath), options =>
            {
                options.Transports = transport;
                options.AccessTokenProvider = () => Task.FromResult(token());
            })
            .Build();
        return new HubClient(connection);
    }

    private sealed class BearerHandler(Func<string?> token, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (token() is { } value)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", value);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>
/// One hub connection and the events it received, in arrival order; waits are bounded by a timeout. Like a real
/// client, it connects again at once when the server closes it because its token expired (its token function
/// gives the new connection a fresh token).
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<JsonElement> _unread = Channel.CreateUnbounded<JsonElement>();
    private readonly Channel<Exception> _reconnects = Channel.CreateUnbounded<Exception>();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HubClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<JsonElement>("event", change => _unread.Writer.TryWrite(change.Clone()));
        connection.Closed += OnClosedAsync;
    }

    public HubConnection Connection { get; }

    /// <summary>Completes when the connection closes for good, with the error it closed with.</summary>
    public Task<Exception?> Closed => _closed.Task;

    /// <summary>
    /// Waits until the client has connected again after the server closed it for token expiry, and returns the error
    /// that close came with; fails when that does not happen within <paramref name="timeout"/>.
    /// </summary>
    public async Task<Exception> ReconnectedAfterExpiryAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _reconnects.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            var state = _closed.Task.IsCompleted ? $"it closed for good with: {_closed.Task.Result?.ToString() ?? "no error"}" : $"it is {Connection.State}";
            throw new TimeoutException($"No reconnect after a token expiry within {(timeout ?? DefaultTimeout).TotalSeconds} s; {state}.");
        }
    }

    /// <summary>Whether the client has connected again after a token expiry within <paramref name="timeout"/>, without taking it.</summary>
    public async Task<bool> WaitForReconnectAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _reconnects.Reader.WaitToReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Events received and not yet taken.</summary>
    public int Unread => _unread.Reader.Count;

    public async Task<JsonElement> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _unread.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event arrived within {(timeout ?? DefaultTimeout).TotalSeconds} s.");
        }
    }

    public async Task<List<JsonElement>> NextAsync(int count, TimeSpan? timeout = null)
    {
        var events = new List<JsonElement>(count);
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync(timeout));
        }

        return events;
    }

    /// <summary>Waits until an event is unread, without taking it; false on timeout.</summary>
    public async Task<bool> WaitForEventAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _unread.Reader.WaitToReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public bool TryNext(out JsonElement change) => _unread.Reader.TryRead(out change);

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();

    private async Task OnClosedAsync(Exception? error)
    {
        if (error?.Message.Contains(TokenExpiry.Reason, StringComparison.Ordinal) == true)
        {
            try
            {
                await Connection.StartAsync();
                _reconnects.Writer.TryWrite(error);
                return;
            }
            catch (Exception failed)
            {
                error = failed;
            }
        }

        _closed.TrySetResult(error);
    }
}

public static class ChangeEventJson
{
    public static string Type(this JsonElement change) => change.GetProperty("type").GetString()!;

    public static long Seq(this JsonElement change) => change.GetProperty("seq").GetInt64();
}
