using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace FocusSync.Tests.Infrastructure;

public static class HubClients
{
    public const string HubPath = "/hubs/sessions";

    /// <summary>A started hub connection of <paramref name="uid"/> to the app, recording every event.</summary>
    public static async Task<HubClient> ConnectHubAsync(
        this FocusSyncApp app, string uid, HttpTransportType transport = HttpTransportType.WebSockets)
    {
        var client = app.RealSockets
            ? HubClientAt(app.Address, () => app.Tokens.Mint(uid), transport)
            : app.HubClientFor(() => app.Tokens.Mint(uid), transport);
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

/// <summary>One hub connection and the events it received, in arrival order; waits are bounded by a timeout.</summary>
public sealed class HubClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<JsonElement> _unread = Channel.CreateUnbounded<JsonElement>();
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HubClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<JsonElement>("event", change => _unread.Writer.TryWrite(change.Clone()));
        connection.Closed += error =>
        {
            _closed.TrySetResult(error);
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }

    /// <summary>Completes when the connection closes, with the error it closed with.</summary>
    public Task<Exception?> Closed => _closed.Task;

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
}

public static class ChangeEventJson
{
    public static string Type(this JsonElement change) => change.GetProperty("type").GetString()!;

    public static long Seq(this JsonElement change) => change.GetProperty("seq").GetInt64();
}
