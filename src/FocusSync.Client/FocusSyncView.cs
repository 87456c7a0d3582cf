using System.ComponentModel;
using System.Net;
using System.Threading.Channels;
using FocusSync.Timekeeping;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FocusSync.Client;

/// <summary>How a <see cref="FocusSyncView"/> reaches the service and keeps its queue.</summary>
public sealed class FocusSyncViewOptions
{
    /// <summary>The service's address, e.g. <c>https://focus.example.com/</c>.</summary>
    public required Uri BaseAddress { get; init; }

    /// <summary>Asked for a token before every request and every hub connection.</summary>
    public required AccessTokenProvider TokenProvider { get; init; }

    /// <summary>
    /// Where queued operations wait for the server, and the last known state for a start without it;
    /// <see cref="JsonFileOperationStore.Default"/> when null. One per signed-in user: a view claims its store from
    /// <see cref="FocusSyncView.StartAsync"/> until it is disposed, and a second view on it fails with
    /// <see cref="OperationStoreInUseException"/>.
    /// </summary>
    public IOperationStore? Store { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The device's clock; the view corrects it by the server's <c>serverTimeMs</c>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ReconnectBackoff Backoff { get; init; } = ReconnectBackoff.Default;

    /// <summary>
    /// The handler of the REST requests (a proxy, say); a <see cref="SocketsHttpHandler"/> when null. The hub
    /// connection does not use it: give it its transport with <see cref="ConfigureHubConnection"/>.
    /// </summary>
    public HttpMessageHandler? HttpMessageHandler { get; init; }

    /// <summary>
    /// Adjusts the hub connection's SignalR options after the view has set its address and
    /// <see cref="HttpConnectionOptions.AccessTokenProvider"/> (which asks <see cref="TokenProvider"/>): for example
    /// <see cref="HttpConnectionOptions.HttpMessageHandlerFactory"/> to send its HTTP requests (negotiation, long
    /// polling) through a proxy or an in-memory test server, <see cref="HttpConnectionOptions.WebSocketFactory"/> to
    /// open its WebSocket some other way, or <see cref="HttpConnectionOptions.Transports"/>. A handler from the
    /// factory still gets the token from SignalR; a <see cref="HttpConnectionOptions.WebSocketFactory"/> replaces the
    /// one that sends it, so it must send the token of <c>context.Options.AccessTokenProvider</c> itself (as an
    /// <c>Authorization: Bearer</c> header).
    /// </summary>
    public Action<HttpConnectionOptions>? ConfigureHubConnection { get; init; }
}

public enum ConnectionState
{
    Disconnected,
    Connecting,
    Connected,

    /// <summary>
    /// The account was deleted (on any device): the view has stopped for good and will not reconnect, which with a
    /// still-valid token would start a new, empty account. What was queued stays in the store, unsent.
    /// </summary>
    AccountDeleted,
}

/// <summary>Why the view changed.</summary>
public enum ViewChange
{
    /// <summary>Everything was fetched again (the first load, or the feed answered 410).</summary>
    Loaded,

    /// <summary>The start showed the last known state from the store, with the queue on it, until the server answers.</summary>
    Restored,

    /// <summary>An event of the server (the hub or the change feed).</summary>
    Server,

    /// <summary>A local action, applied at once and queued.</summary>
    Local,

    /// <summary>The server answered queued operations.</summary>
    Acknowledged,
}

public sealed class ViewChangedEventArgs(ViewChange change, ChangeEvent? serverEvent) : EventArgs
{
    public ViewChange Change { get; } = change;

    /// <summary>With <see cref="ViewChange.Server"/>: the event applied.</summary>
    public ChangeEvent? Event { get; } = serverEvent;
}

/// <summary>A queued operation the server refused (a stale version, a session deleted meanwhile, a field it rejects).</summary>
public sealed class OperationRefusedEventArgs(QueuedOperation operation, int status, Problem? problem, Session? current) : EventArgs
{
    public QueuedOperation Operation { get; } = operation;

    /// <summary>The server's status; 424 for an operation dropped because an earlier one on its session was refused.</summary>
    public int Status { get; } = status;

    public Problem? Problem { get; } = problem;

    /// <summary>The session as the server has it now, when the refusal carried it (a 412 does).</summary>
    public Session? Current { get; } = current;
}

/// <summary>
/// A live, exact and offline-capable view of one user's data. It connects the hub, fetches, applies events in
/// <c>seq</c> order, reads the change feed on a gap or a reconnect (fetching everything again only on 410), keeps the
/// server's clock, and reconnects for ever. Actions are applied locally at once with the shared timer rules, queued
/// durably, and replayed through <c>POST /sync</c>; the server's answers replace the local guesses.
/// Thread-safe; notifications arrive on the <see cref="SynchronizationContext"/> the view was created on, if any.
/// </summary>
public sealed class FocusSyncView : IAsyncDisposable, INotifyPropertyChanged
{
    private const int MaxBatch = 100;
    private const int DependencyFailed = 424;

    private readonly FocusSyncViewOptions _options;
    private readonly IOperationStore _store;
    private readonly ILogger _log;
    private readonly ServerClock _clock;
    private readonly HubConnection _hub;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    /// <summary>The start of the close message the service sends to every connection of an account it deleted.</summary>
    private const string AccountDeletedReason = "Account deleted";

    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;
    private readonly SynchronizationContext? _context = SynchronizationContext.Current;
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConfirmedState _confirmed = new();
    private readonly SortedDictionary<long, ChangeEvent> _early = [];
    private readonly List<Acknowledged> _acknowledged = [];
    private List<QueuedOperation> _queue = [];
    private TaskCompletionSource _pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private IAsyncDisposable? _claim;
    private bool _started;
    private long _savedRevision;
    private bool _needCatchUp;
    private bool _needFetch = true;

    private FocusSyncView(FocusSyncViewOptions options)
    {
        _options = options;
        _store = options.Store ?? JsonFileOperationStore.Default();
        _log = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<FocusSyncView>();
        _clock = new ServerClock(options.TimeProvider);
        Client = new FocusSyncClient(new Uri(options.BaseAddress, "."), options.TokenProvider, options.HttpMessageHandler);
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(options.BaseAddress, "hubs/sessions"), o =>
            {
                o.AccessTokenProvider = async () => await options.TokenProvider(_stopping.Token).ConfigureAwait(false);
                options.ConfigureHubConnection?.Invoke(o);
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions = Json.Options);
        if (options.LoggerFactory is { } loggers)
        {
            builder.Services.AddSingleton(loggers);
        }

        _hub = builder.Build();
        _hub.On<ChangeEvent>("event", OnEventAsync);
        _hub.Closed += OnClosedAsync;
    }

    public event PropertyChangedEventHandler? PropertyChanged;

    public event EventHandler<ViewChangedEventArgs>? Changed;

    public event EventHandler<OperationRefusedEventArgs>? OperationRefused;

    /// <summary>The REST client the view uses, for what the view does not cover (groups, settings, analytics).</summary>
    public FocusSyncClient Client { get; }

    public User? User { get; private set; }

    public IReadOnlyList<Group> Groups { get; private set; } = [];

    /// <summary>The live sessions, oldest first, local actions not yet confirmed included.</summary>
    public IReadOnlyList<LiveSession> Sessions { get; private set; } = [];

    /// <summary>The last <c>seq</c> of the user this view applied.</summary>
    public long Seq { get; private set; }

    public ConnectionState ConnectionState { get; private set; } = ConnectionState.Disconnected;

    /// <summary>Operations queued and not yet answered by the server.</summary>
    public int PendingOperations { get; private set; }

    /// <summary>The server's clock as this device estimates it.</summary>
    public DateTimeOffset ServerNow => DateTimeOffset.FromUnixTimeMilliseconds(_clock.NowMs);

    /// <summary>How far the server's clock is ahead of this device's.</summary>
    public TimeSpan ClockOffset => _clock.Offset;

    /// <summary>Creates a view and waits until it has loaded the user's data (see <see cref="StartAsync"/>).</summary>
    public static async Task<FocusSyncView> ConnectAsync(FocusSyncViewOptions options, CancellationToken cancellationToken = default)
    {
        var view = Create(options);
        try
        {
            await view.StartAsync(cancellationToken).ConfigureAwait(false);
            return view;
        }
        catch
        {
            await view.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A view that does nothing until <see cref="StartAsync"/>: subscribe to its events first.</summary>
    public static FocusSyncView Create(FocusSyncViewOptions options) => new(options);

    /// <summary>
    /// Loads the queue and the last known state from the store, starts syncing in the background, and waits until
    /// the view has something to show: the last known state, at once, when the store has one (<see
    /// cref="ViewChange.Restored"/>); the server's first load otherwise. Cancelling the wait leaves the view running:
    /// it keeps trying to reach the server, and takes actions offline meanwhile. Throws
    /// <see cref="OperationStoreInUseException"/> at once when another view holds the store, in this process or another.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        if (_loop is null)
        {
            // Held until disposed: another view saving the queue it loaded would drop this one's operations, or this one its.
            _claim ??= await _store.ClaimAsync(cancellationToken).ConfigureAwait(false);
            var queued = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
            var snapshot = await LoadSnapshotAsync(cancellationToken).ConfigureAwait(false);
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                _queue = [.. queued];
                _started = true;
                if (snapshot is not null)
                {
                    _confirmed.Restore(snapshot);
                    _clock.Assume(snapshot.ClockOffsetMs);
                }

                Project(snapshot is null ? ViewChange.Local : ViewChange.Restored, null);
            }
            finally
            {
                _gate.Release();
            }

            if (snapshot is not null)
            {
                _loaded.TrySetResult();
            }

            _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        }

        await _loaded.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until every queued operation is answered and confirmed, and the hub is connected.</summary>
    public async Task WhenSyncedAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task pulse;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_queue.Count == 0 && _acknowledged.Count == 0 && _confirmed.Loaded && !_needCatchUp && !_needFetch
                    && ConnectionState == ConnectionState.Connected)
                {
                    return;
                }

                pulse = _pulse.Task;
            }
            finally
            {
                _gate.Release();
            }

            await pulse.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartSessionAsync(long sessionId, CancellationToken cancellationToken = default) =>
        ActAsync(OperationKind.Start, sessionId, null, cancellationToken);

    public Task PauseSessionAsync(long sessionId, CancellationToken cancellationToken = default) =>
        ActAsync(OperationKind.Pause, sessionId, null, cancellationToken);

    public Task ResetSessionAsync(long sessionId, CancellationToken cancellationToken = default) =>
        ActAsync(OperationKind.Reset, sessionId, null, cancellationToken);

    public Task ResetAllAsync(CancellationToken cancellationToken = default) =>
        ActAsync(OperationKind.ResetAll, null, null, cancellationToken);

    public Task DeleteSessionAsync(long sessionId, CancellationToken cancellationToken = default) =>
        ActAsync(OperationKind.Delete, sessionId, null, cancellationToken);

    public Task EditSessionAsync(long sessionId, SessionChanges changes, CancellationToken cancellationToken = default)
    {
        if (Sessions.FirstOrDefault(s => s.Id == sessionId) is { NoGoal: true }
            && (changes.DailyGoalMinutes is not null || changes.InitialDuration is not null))
        {
            throw new ArgumentException("A goalless session has no goal or duration.", nameof(changes));
        }

        return ActAsync(OperationKind.Edit, sessionId, changes.ToBody(), cancellationToken);
    }

    /// <summary>Creates a session; until the server answers, the view shows it under a negative id, which then changes to the server's.</summary>
    public async Task<LiveSession> CreateSessionAsync(NewSession session, CancellationToken cancellationToken = default)
    {
        var refusals = TimerRules.RefuseGoalFields(session.NoGoal, session.InitialDuration is not null, session.DailyGoalMinutes is not null).ToList();
        if (refusals.Count > 0 || (!session.NoGoal && (session.InitialDuration is null || session.DailyGoalMinutes is null)))
        {
            throw new ArgumentException(
                refusals.FirstOrDefault()?.Message ?? "A countdown needs 'initialDuration' and 'dailyGoalMinutes'.", nameof(session));
        }

        // Read under the gate: the server's answer may give the session its real id as soon as the gate is released.
        return (await ActAsync(OperationKind.Create, null, session.ToBody(), cancellationToken).ConfigureAwait(false))!;
    }

    public async ValueTask DisposeAsync()
    {
        // Not "stopping was requested": a deleted account stops the view too, and it still has to be disposed.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
            if (ConnectionState != ConnectionState.AccountDeleted)
            {
                await SaveSnapshotAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        if (_claim is not null)
        {
            await _claim.DisposeAsync().ConfigureAwait(false);
        }

        await _hub.DisposeAsync().ConfigureAwait(false);
        Client.Dispose();
        _loaded.TrySetCanceled();
        _stopping.Dispose();
    }

    /// <summary>Applies the action to the local view and queues it durably; returns the session as the view shows it then (none after a delete or a reset of all).</summary>
    private async Task<LiveSession?> ActAsync(OperationKind kind, long? sessionId, System.Text.Json.Nodes.JsonObject? body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_started)
            {
                // Saving a queue before the stored one is loaded would replace the stored one.
                throw new InvalidOperationException("Start the view (StartAsync) before acting on it: its stored queue is not loaded yet.");
            }

            var shown = sessionId is { } id ? Sessions.FirstOrDefault(s => s.Id == id) : null;
            if (sessionId is not null && shown is null)
            {
                throw new FocusSyncNotFoundException(HttpStatusCode.NotFound, new Problem(null, "Not Found", 404, "No session with that id."));
            }

            var localId = kind == OperationKind.Create
                ? Math.Min(-1, _queue.Select(o => o.LocalId ?? 0).Append(0).Min() - 1)
                : (long?)null;
            var operation = new QueuedOperation(Guid.NewGuid().ToString("N"), kind, sessionId, body, _clock.NowMs, shown?.Version)
            {
                LocalId = localId,
            };
            List<QueuedOperation> queue = [.. _queue, operation];
            await _store.SaveAsync(queue, cancellationToken).ConfigureAwait(false);
            _queue = queue;
            Project(ViewChange.Local, null);
            Wake();
            return Sessions.FirstOrDefault(s => s.Id == (localId ?? sessionId));
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.Backoff.Delay(failures), _options.TimeProvider, stopping).ConfigureAwait(false);
                if (_hub.State == HubConnectionState.Disconnected)
                {
                    await ConnectAsync(stopping).ConfigureAwait(false);
                }

                if (_needFetch)
                {
                    await FetchAsync(stopping).ConfigureAwait(false);
                }
                else if (_needCatchUp)
                {
                    await CatchUpAsync(stopping).ConfigureAwait(false);
                }

                if (!_needFetch && !_needCatchUp && _queue.Count > 0)
                {
                    await FlushAsync(stopping).ConfigureAwait(false);
                }

                failures = 0;
                if (!_needFetch && !_needCatchUp && _queue.Count == 0 && _hub.State == HubConnectionState.Connected)
                {
                    await SaveSnapshotAsync(stopping).ConfigureAwait(false);
                    await Pulse().ConfigureAwait(false);
                    await _wake.Reader.ReadAsync(stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever failed (the network, the server, a refused token), the view stays up and tries again.
                failures++;
                _log.LogWarning(e, "FocusSync sync failed ({Failures} in a row): {Reason}", failures, e.Message);
                await Pulse().ConfigureAwait(false);
            }
        }
    }

    private async Task ConnectAsync(CancellationToken stopping)
    {
        SetConnection(ConnectionState.Connecting);
        try
        {
            await _hub.StartAsync(stopping).ConfigureAwait(false);
        }
        catch
        {
            SetConnection(ConnectionState.Disconnected);
            throw;
        }

        _needCatchUp = true;
        SetConnection(ConnectionState.Connected);
        _log.LogInformation("FocusSync hub connected");
    }

    /// <summary>Fetches everything: sessions first, so that a group or settings change after it arrives as an event.</summary>
    private async Task FetchAsync(CancellationToken stopping)
    {
        var list = await Client.GetSessionsAsync(stopping).ConfigureAwait(false);
        var user = await Client.GetMeAsync(stopping).ConfigureAwait(false);
        var groups = await Client.GetGroupsAsync(stopping).ConfigureAwait(false);
        await _gate.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            _clock.Observe(list.ServerTimeMs);
            _confirmed.Load(list, user, groups);
            foreach (var early in _early.Keys.Where(seq => seq <= list.Seq).ToList())
            {
                _early.Remove(early);
            }

            _needFetch = false;
            _needCatchUp = false;
            ApplyEarly();
            Project(ViewChange.Loaded, null);
        }
        finally
        {
            _gate.Release();
        }

        _loaded.TrySetResult();
    }

    /// <summary>Reads the change feed from the view's seq until it has no more; a 410 means fetching everything again.</summary>
    private async Task CatchUpAsync(CancellationToken stopping)
    {
        while (true)
        {
            ChangePage page;
            try
            {
                page = await Client.GetChangesAsync(_confirmed.Seq, cancellationToken: stopping).ConfigureAwait(false);
            }
            catch (FocusSyncGoneException)
            {
                _log.LogInformation("FocusSync change feed no longer reaches seq {Seq}: fetching everything", _confirmed.Seq);
                _needFetch = true;
                return;
            }

            await _gate.WaitAsync(stopping).ConfigureAwait(false);
            try
            {
                _clock.Observe(page.ServerTimeMs);
                foreach (var change in page.Events.Where(e => e.Seq == _confirmed.Seq + 1))
                {
                    _confirmed.Apply(change);
                }

                ApplyEarly();
                DropConfirmed();
                if (!page.HasMore || page.Events.Count == 0)
                {
                    // Events still waiting beyond a gap mean the feed is to be read again.
                    _needCatchUp = _early.Count > 0;
                }

                Project(ViewChange.Server, null);
            }
            finally
            {
                _gate.Release();
            }

            if (!page.HasMore || page.Events.Count == 0)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Sends the queue's head through <c>POST /sync</c>. A batch holds at most one operation per session, so that an
    /// operation refused by the server can take the later ones on its session with it before they are sent.
    /// </summary>
    private async Task FlushAsync(CancellationToken stopping)
    {
        List<QueuedOperation> batch = [];
        await _gate.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            var seen = new HashSet<long>();
            foreach (var operation in _queue.Take(MaxBatch))
            {
                if (operation.SessionId is { } id && !seen.Add(id))
                {
                    break;
                }

                if (operation.LocalId is { } local)
                {
                    seen.Add(local);
                }

                batch.Add(operation);
            }
        }
        finally
        {
            _gate.Release();
        }

        var response = await Client.SyncAsync([.. batch.Select(o => o.ToSync())], stopping).ConfigureAwait(false);
        var refused = new List<OperationRefusedEventArgs>();
        await _gate.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            _clock.Observe(response.ServerTimeMs);
            var queue = _queue.Except(batch).ToList();
            for (var i = 0; i < batch.Count; i++)
            {
                var (operation, result) = (batch[i], response.Results[i]);
                if (result.Succeeded)
                {
                    if (operation is { Kind: OperationKind.Create, LocalId: { } local } && result.Session is { } created)
                    {
                        queue = [.. queue.Select(o => o.SessionId == local ? o with { SessionId = created.Id } : o)];
                    }

                    _acknowledged.Add(new Acknowledged(operation, result, response.Seq, response.ServerTimeMs));
                    continue;
                }

                var current = result.Problem?.Session;
                refused.Add(new OperationRefusedEventArgs(operation, result.Status, result.Problem, current));
                var target = operation.SessionId ?? operation.LocalId;
                foreach (var dependent in queue.Where(o => target is not null && o.SessionId == target).ToList())
                {
                    queue.Remove(dependent);
                    refused.Add(new OperationRefusedEventArgs(
                        dependent, DependencyFailed,
                        new Problem(null, "Failed Dependency", DependencyFailed, "An earlier queued operation on this session was refused."), current));
                }
            }

            await _store.SaveAsync(queue, CancellationToken.None).ConfigureAwait(false);
            _queue = queue;
            _needCatchUp |= response.Seq > _confirmed.Seq;
            DropConfirmed();
            Project(ViewChange.Acknowledged, null);
        }
        finally
        {
            _gate.Release();
        }

        foreach (var refusal in refused)
        {
            _log.LogWarning("FocusSync refused {Kind} of session {SessionId}: {Status} {Detail}",
                refusal.Operation.Kind, refusal.Operation.SessionId, refusal.Status, refusal.Problem?.Detail);
            Raise(() => OperationRefused?.Invoke(this, refusal));
        }
    }

    private async Task OnEventAsync(ChangeEvent change)
    {
        await _gate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        try
        {
            _clock.Observe(change.ServerTimeMs);
            if (!_confirmed.Loaded || change.Seq <= _confirmed.Seq)
            {
                if (!_confirmed.Loaded)
                {
                    _early[change.Seq] = change;
                }

                return;
            }

            if (change.Seq > _confirmed.Seq + 1)
            {
                _early[change.Seq] = change;
                _needCatchUp = true;
                Wake();
                return;
            }

            _confirmed.Apply(change);
            ApplyEarly();
            DropConfirmed();
            Project(ViewChange.Server, change);
            // The loop saves the new state once it is idle.
            Wake();
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task OnClosedAsync(Exception? error)
    {
        if (_stopping.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        _log.LogInformation("FocusSync hub closed: {Reason}", error?.Message ?? "by the server");
        if (error?.Message.Contains(AccountDeletedReason, StringComparison.Ordinal) == true)
        {
            SetConnection(ConnectionState.AccountDeleted);
            return _stopping.CancelAsync();
        }

        SetConnection(ConnectionState.Disconnected);
        Wake();
        return Task.CompletedTask;
    }

    /// <summary>The last known state, or none when the store's cannot be read: it is only a cache, and the server has it all.</summary>
    private async Task<ViewSnapshot?> LoadSnapshotAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _store.LoadSnapshotAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning(e, "FocusSync could not read the last known state; starting without it: {Reason}", e.Message);
            return null;
        }
    }

    /// <summary>
    /// Saves what the server has confirmed when it changed since the last save, only while the queue is empty: a
    /// snapshot never holds the effect of an operation that is also queued, so a restart never shows one twice.
    /// </summary>
    private async Task SaveSnapshotAsync(CancellationToken cancellationToken)
    {
        ViewSnapshot snapshot;
        long revision;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_confirmed.Loaded || _queue.Count > 0 || _confirmed.Revision == _savedRevision)
            {
                return;
            }

            (snapshot, revision) = (_confirmed.Snapshot(_clock.OffsetMs), _confirmed.Revision);
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await _store.SaveSnapshotAsync(snapshot, cancellationToken).ConfigureAwait(false);
            _savedRevision = revision;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning(e, "FocusSync could not save the last known state: {Reason}", e.Message);
        }
    }

    /// <summary>Applies the events that arrived ahead of the view's seq once they follow it.</summary>
    private void ApplyEarly()
    {
        while (_early.Count > 0)
        {
            var (seq, change) = _early.First();
            if (seq > _confirmed.Seq + 1)
            {
                return;
            }

            _early.Remove(seq);
            if (seq == _confirmed.Seq + 1)
            {
                _confirmed.Apply(change);
            }
        }
    }

    /// <summary>Forgets the server's answers once the confirmed state has reached the seq they were given at.</summary>
    private void DropConfirmed() => _acknowledged.RemoveAll(a => a.Seq <= _confirmed.Seq);

    /// <summary>Rebuilds what the view shows and tells the UI. Holds the gate.</summary>
    private void Project(ViewChange change, ChangeEvent? serverEvent)
    {
        var (timers, createdAt, pending) = Projection.Build(_confirmed, _acknowledged, _queue, _clock.NowMs);
        Sessions = [.. timers
            .OrderBy(t => t.Id < 0)
            .ThenBy(t => Math.Abs(t.Id))
            .Select(t => new LiveSession(t, createdAt.GetValueOrDefault(t.Id), pending.Contains(t.Id), _clock))];
        Groups = [.. _confirmed.Groups.Values.OrderBy(g => g.Id)];
        User = _confirmed.User;
        Seq = _confirmed.Seq;
        PendingOperations = _queue.Count;
        var pulse = Interlocked.Exchange(ref _pulse, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        pulse.TrySetResult();
        Raise(() =>
        {
            foreach (var name in new[] { nameof(Sessions), nameof(Groups), nameof(User), nameof(Seq), nameof(PendingOperations) })
            {
                PropertyChanged?.Invoke(this, new PropertyChangedEventArgs(name));
            }

            Changed?.Invoke(this, new ViewChangedEventArgs(change, serverEvent));
        });
    }

    private async Task Pulse()
    {
        try
        {
            await _gate.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The view is being disposed: the pulse still wakes whoever waits (without the gate, as SetConnection
            // does), and must not fail the disposal.
            Interlocked.Exchange(ref _pulse, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return;
        }

        try
        {
            Interlocked.Exchange(ref _pulse, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void SetConnection(ConnectionState state)
    {
        ConnectionState = state;
        Interlocked.Exchange(ref _pulse, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Raise(() => PropertyChanged?.Invoke(this, new PropertyChangedEventArgs(nameof(ConnectionState))));
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private void Raise(Action notify)
    {
        if (_context is { } context)
        {
            context.Post(_ => notify(), null);
        }
        else
        {
            notify();
        }
    }
}
