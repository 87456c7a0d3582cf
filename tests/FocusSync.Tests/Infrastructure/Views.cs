using System.ComponentModel;
using FocusSync.Client;

namespace FocusSync.Tests.Infrastructure;

/// <summary>Live views of the client library on an app, in memory or on its real socket.</summary>
public static class Views
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Short waits between reconnect attempts, so that a test does not wait out the production backoff.</summary>
    public static readonly ReconnectBackoff Fast = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200));

    /// <summary>
    /// A view's options for <paramref name="uid"/> on <paramref name="app"/>, with a queue in memory. On the in-memory
    /// test server, the REST requests, the hub's HTTP requests and its WebSocket all go to <c>app.Server</c>.
    /// </summary>
    public static FocusSyncViewOptions ViewOptionsFor(this FocusSyncApp app, string uid, IOperationStore? store = null)
    {
        AccessTokenProvider tokens = _ => ValueTask.FromResult(app.Tokens.Mint(uid));
        if (app.RealSockets)
        {
            return new() { BaseAddress = app.Address, TokenProvider = tokens, Store = store ?? new MemoryOperationStore(), Backoff = Fast };
        }

        var server = app.Server;
        return new()
        {
            BaseAddress = server.BaseAddress,
            TokenProvider = tokens,
            Store = store ?? new MemoryOperationStore(),
            Backoff = Fast,
            HttpMessageHandler = server.CreateHandler(),
            ConfigureHubConnection = hub =>
            {
                hub.HttpMessageHandlerFactory = _ => server.CreateHandler();
                hub.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var token = await context.Options.AccessTokenProvider!();
                    var webSockets = server.CreateWebSocketClient();
                    webSockets.ConfigureRequest = request => request.Headers.Authorization = $"Bearer {token}";
                    return await webSockets.ConnectAsync(context.Uri, cancellationToken);
                };
            },
        };
    }

    /// <summary>A view of <paramref name="uid"/> that has loaded the user's data; fails the test when it has not within <see cref="Timeout"/>.</summary>
    public static async Task<FocusSyncView> ConnectViewAsync(this FocusSyncApp app, string uid)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await FocusSyncView.ConnectAsync(app.ViewOptionsFor(uid), timeout.Token);
    }

    /// <summary>Waits, without polling the clock, until <paramref name="condition"/> holds after one of the view's notifications.</summary>
    public static async Task UntilAsync(this FocusSyncView view, Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnChanged(object? sender, PropertyChangedEventArgs e) => changed.TrySetResult();
            view.PropertyChanged += OnChanged;
            try
            {
                if (condition())
                {
                    return;
                }

                await changed.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting until {what}; the view has seq {view.Seq}, {view.ConnectionState}, sessions: "
                    + string.Join(", ", view.Sessions));
            }
            finally
            {
                view.PropertyChanged -= OnChanged;
            }
        }
    }
}
