using FocusSync.Tests.Infrastructure;

namespace FocusSync.Client.Tests;

/// <summary>Live views and REST clients of the library against the real service (Kestrel on a loopback port).</summary>
public static class ClientKit
{
    public static readonly TimeSpan Timeout = Views.Timeout;

    public static readonly ReconnectBackoff Fast = Views.Fast;

    public static Task<FocusSyncApp> StartAppAsync(Db db) => FocusSyncApp.StartAsync(db, new AppOptions { RealSockets = true });

    public static AccessTokenProvider TokensOf(FocusSyncApp app, string uid) => _ => ValueTask.FromResult(app.Tokens.Mint(uid));

    public static FocusSyncClient RestClient(FocusSyncApp app, string uid) => new(app.Address, TokensOf(app, uid));

    public static FocusSyncViewOptions Options(
        FocusSyncApp app, AccessTokenProvider tokens, IOperationStore? store = null, HttpMessageHandler? handler = null, TimeProvider? device = null) => new()
    {
        BaseAddress = app.Address,
        TokenProvider = tokens,
        Store = store ?? new MemoryOperationStore(),
        Backoff = Fast,
        HttpMessageHandler = handler,
        TimeProvider = device ?? TimeProvider.System,
    };

    public static Task<FocusSyncView> ViewAsync(FocusSyncApp app, string uid, IOperationStore? store = null) =>
        ConnectAsync(Options(app, TokensOf(app, uid), store));

    /// <summary>A view that has loaded the user's data; fails the test when it has not within <see cref="Timeout"/>.</summary>
    public static async Task<FocusSyncView> ConnectAsync(FocusSyncViewOptions options)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        return await FocusSyncView.ConnectAsync(options, timeout.Token);
    }

    /// <summary>Waits until the server has confirmed everything the view did; fails the test after <see cref="Timeout"/>.</summary>
    public static async Task SyncedAsync(this FocusSyncView view)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await view.WhenSyncedAsync(timeout.Token);
    }

    /// <summary>Waits until each view has every change the server has, and checks that each shows exactly the server's state.</summary>
    public static async Task AssertEqualToServerAsync(FocusSyncClient server, params FocusSyncView[] views)
    {
        foreach (var view in views)
        {
            using var sent = new CancellationTokenSource(Timeout);
            await view.WhenSyncedAsync(sent.Token);
        }

        var list = await server.GetSessionsAsync();
        var groups = await server.GetGroupsAsync();
        var user = await server.GetMeAsync();
        var expected = list.Sessions.Select(s => Shape.Of(s)).ToList();
        foreach (var view in views)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            await view.WhenSyncedAsync(timeout.Token);
            await view.UntilAsync(() => view.Seq >= list.Seq, $"the view reaches seq {list.Seq}");
            Assert.Equal(list.Seq, view.Seq);
            Assert.Equal(expected, view.Sessions.Select(s => Shape.Of(s, list.ServerTimeMs)).ToList());
            Assert.Equal(groups, view.Groups);
            Assert.Equal(
                (user.TimeZone, user.ResetTime, user.WeekStart, user.SingleRunning),
                (view.User!.TimeZone, view.User.ResetTime, view.User.WeekStart, view.User.SingleRunning));
        }
    }

    /// <summary>What a person sees of a session at one instant of the server's clock.</summary>
    public sealed record Shape(
        long Id, string Title, long? GroupId, string State, bool IsCompleted, int Version, long? TargetTimeMs, long? RunStartedAtMs,
        double? TimeLeft, double FocusSeconds)
    {
        public static Shape Of(Session s) => new(
            s.Id, s.Title, s.GroupId, s.State, s.IsCompleted, s.Version, s.TargetTimeMs, s.RunStartedAtMs, s.TimeLeft, s.FocusSeconds);

        public static Shape Of(LiveSession s, long atMs) => new(
            s.Id, s.Title, s.GroupId, s.State, s.IsCompleted, s.Version, s.TargetTimeMs, s.RunStartedAtMs, s.TimeLeftAt(atMs), s.FocusSecondsAt(atMs));
    }
}

/// <summary>A token provider that a test can cut off, as a device without a network would be, and that counts its calls.</summary>
public sealed class SwitchableTokens(FocusSyncApp app, string uid)
{
    private int _calls;
    private volatile bool _offline;

    public int Calls => Volatile.Read(ref _calls);

    public bool Offline
    {
        get => _offline;
        set => _offline = value;
    }

    public ValueTask<string> Provide(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return _offline
            ? ValueTask.FromException<string>(new HttpRequestException("The device is offline."))
            : ValueTask.FromResult(app.Tokens.Mint(uid));
    }
}

/// <summary>
/// A token provider behind a network that is down until <see cref="Connect"/>: every request waits, as one to an
/// unreachable server does until it times out, so a view stays connecting without retrying on a clock.
/// </summary>
public sealed class GatedTokens(FocusSyncApp app, string uid)
{
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Connect() => _up.TrySetResult();

    public async ValueTask<string> Provide(CancellationToken cancellationToken)
    {
        await _up.Task.WaitAsync(cancellationToken);
        return app.Tokens.Mint(uid);
    }
}

/// <summary>Records each REST request the view makes, as "METHOD /path".</summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<string> _requests = [];

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
        }

        return base.SendAsync(request, cancellationToken);
    }
}
