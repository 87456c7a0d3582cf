using System.Buffers.Text;
using System.Net.WebSockets;
using System.Text;

namespace FocusSync.Bench.Infrastructure;

/// <summary>
/// A lean WebSocket client for holding thousands of connections from one process: either speaking
/// SignalR's JSON protocol to the service's hub (handshake, pings) or plain frames to a baseline server.
/// Each received record's <c>"seq":</c> value is handed to a callback (-1 when a record has none).
/// </summary>
public sealed class SocketClient : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private static readonly byte[] _hubHandshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] _hubPing = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");
    private static readonly byte[] _seqKey = Encoding.UTF8.GetBytes("\"seq\":");

    private readonly ClientWebSocket _socket = new();
    private readonly Action<long> _onRecord;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly bool _hub;
    private Task _receiving = Task.CompletedTask;
    private Task _pinging = Task.CompletedTask;

    private SocketClient(Action<long> onRecord, bool hub)
    {
        _onRecord = onRecord;
        _hub = hub;
    }

    /// <summary>Why the receive loop ended, when it ended other than by <see cref="DisposeAsync"/>.</summary>
    public string? Failure { get; private set; }

    public static async Task<SocketClient> ConnectHubAsync(
        Uri service, string token, Action<long> onEvent, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(service)
        {
            Scheme = "ws",
            Path = "/hubs/sessions",
            Query = "access_token=" + Uri.EscapeDataString(token),
        }.Uri;
        var client = new SocketClient(onEvent, hub: true);
        await client._socket.ConnectAsync(uri, cancellationToken);
        await client._socket.SendAsync(_hubHandshake, WebSocketMessageType.Text, true, cancellationToken);
        var buffer = new byte[4096];
        var handshake = await client._socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
        if (handshake.MessageType == WebSocketMessageType.Close || !buffer.AsSpan(0, handshake.Count).StartsWith("{}"u8))
        {
            throw new InvalidOperationException($"Hub handshake refused: {Encoding.UTF8.GetString(buffer, 0, handshake.Count)}");
        }

        client.Start(buffer);
        return client;
    }

    public static async Task<SocketClient> ConnectRawAsync(Uri uri, Action<long> onMessage, CancellationToken cancellationToken)
    {
        var client = new SocketClient(onMessage, hub: false);
        await client._socket.ConnectAsync(uri, cancellationToken);
        client.Start(new byte[4096]);
        return client;
    }

    /// <summary>Opens <paramref name="count"/> connections, <paramref name="parallel"/> at a time.</summary>
    public static async Task<List<T>> ConnectManyAsync<T>(int count, int parallel, Func<int, Task<T>> connect)
    {
        var results = new T[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallel },
            async (i, _) => results[i] = await connect(i));
        return [.. results];
    }

    public async Task SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        await Task.WhenAll(_receiving, _pinging);
        _socket.Dispose();
        _stop.Dispose();
        _sending.Dispose();
    }

    private void Start(byte[] buffer)
    {
        _receiving = Task.Run(() => ReceiveAsync(buffer));
        if (_hub)
        {
            // The hub drops a client it has not heard from within its 30 s client timeout.
            _pinging = Task.Run(PingAsync);
        }
    }

    private async Task ReceiveAsync(byte[] buffer)
    {
        var filled = 0;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(filled), _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Failure ??= _stop.IsCancellationRequested ? null : $"closed by the server ({_socket.CloseStatus} {_socket.CloseStatusDescription})";
                    return;
                }

                filled += result.Count;
                if (!result.EndOfMessage)
                {
                    if (filled == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }

                    continue;
                }

                Dispatch(buffer.AsSpan(0, filled));
                filled = 0;
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (WebSocketException ex)
        {
            Failure ??= _stop.IsCancellationRequested ? null : ex.Message;
        }
    }

    private void Dispatch(ReadOnlySpan<byte> message)
    {
        while (!message.IsEmpty)
        {
            var end = message.IndexOf(RecordSeparator);
            var record = end < 0 ? message : message[..end];
            message = end < 0 ? [] : message[(end + 1)..];
            if (record.IsEmpty)
            {
                continue;
            }

            var at = record.IndexOf(_seqKey);
            if (at >= 0 && Utf8Parser.TryParse(record[(at + _seqKey.Length)..], out long seq, out _))
            {
                _onRecord(seq);
            }
            else if (!_hub)
            {
                _onRecord(-1);
            }
        }
    }

    private async Task PingAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await SendAsync(_hubPing, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }
}
