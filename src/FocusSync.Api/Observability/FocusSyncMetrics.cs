using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FocusSync.Api.Observability;

/// <summary>What a change asked of the service did: the <c>result</c> of <c>focussync.actions</c> and <c>focussync.sync.operations</c>.</summary>
public enum ActionEffect
{
    /// <summary>Decided and committed as a change.</summary>
    Applied,

    /// <summary>Answered with success, but changed nothing (pausing a paused session, a replayed idempotency key).</summary>
    NoOp,

    /// <summary>Refused: not found, invalid by the rules, a limit reached, a key reused for another request.</summary>
    Refused,

    /// <summary>Built on another version of the session than its current one (a 412).</summary>
    Conflict,
}

/// <summary>
/// FocusSync's own meter, <c>FocusSync</c>. Attributes are bounded sets (kinds, results, event types, reasons, the
/// provider): never a user id, a token, an email or a title, so a metric's series stay few and say nothing of anyone.
/// </summary>
public sealed class FocusSyncMetrics
{
    public const string MeterName = "FocusSync";

    // Lags and commits are milliseconds when all is well and seconds when it is not; the default buckets start at 5 s.
    private static readonly double[] _latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] _dueWorkBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

    private readonly Counter<long> _actions;
    private readonly Counter<long> _eventsPublished;
    private readonly Histogram<double> _publishLag;
    private readonly Histogram<double> _dueWorkLag;
    private readonly Counter<long> _commitRetries;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _hubRefused;
    private readonly Counter<long> _syncOperations;
    private readonly Counter<long> _changesReads;
    private long _dueWorkPending;
    private long _hubConnections;

    public FocusSyncMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _actions = meter.CreateCounter<long>("focussync.actions", "{action}",
            "Session commands, from their endpoints and /sync, by kind and result.");
        _eventsPublished = meter.CreateCounter<long>("focussync.events.published", "{event}",
            "Change events handed to every hub connection of their user, by type.");
        _publishLag = meter.CreateHistogram("focussync.events.publish_lag", "s",
            "From a change's commit to its event being handed to every hub connection of its user.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _latencyBuckets });
        _dueWorkLag = meter.CreateHistogram("focussync.due_work.lag", "s",
            "How late a completion or a user-day boundary was performed after its instant.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _dueWorkBuckets });
        meter.CreateObservableGauge("focussync.due_work.pending", () => Interlocked.Read(ref _dueWorkPending), "{user}",
            "Users found due by this instance's due-work job and not caught up yet.");
        _commitRetries = meter.CreateCounter<long>("focussync.commit.retries", "{retry}",
            "Attempts of a change started again after another change of the same user committed first.");
        _commitDuration = meter.CreateHistogram("focussync.commit.duration", "s",
            "A change's transaction, from its first write to its commit, by database provider.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _latencyBuckets });
        meter.CreateObservableGauge("focussync.hub.connections", () => Interlocked.Read(ref _hubConnections), "{connection}",
            "Hub connections established on this instance.");
        _hubRefused = meter.CreateCounter<long>("focussync.hub.refused", "{connection}",
            "Hub connections and requests refused, by reason.");
        _syncOperations = meter.CreateCounter<long>("focussync.sync.operations", "{operation}",
            "Operations of POST /sync batches, by result.");
        _changesReads = meter.CreateCounter<long>("focussync.changes.reads", "{read}",
            "Reads of the change feed (GET /changes), served or gone (410).");
    }

    public static string Name(ActionEffect effect) => effect switch
    {
        ActionEffect.Applied => "applied",
        ActionEffect.NoOp => "no-op",
        ActionEffect.Refused => "refused",
        ActionEffect.Conflict => "conflict",
        _ => throw new ArgumentOutOfRangeException(nameof(effect), effect, "Not an effect."),
    };

    public void Action(string kind, ActionEffect effect) =>
        _actions.Add(1, new TagList { { "kind", kind }, { "result", Name(effect) } });

    public void SyncOperation(ActionEffect effect) => _syncOperations.Add(1, new KeyValuePair<string, object?>("result", Name(effect)));

    public void EventPublished(string type, TimeSpan sinceCommit)
    {
        var tag = new KeyValuePair<string, object?>("type", type);
        _eventsPublished.Add(1, tag);
        _publishLag.Record(sinceCommit.TotalSeconds, tag);
    }

    public void DueWorkPerformed(TimeSpan late) => _dueWorkLag.Record(Math.Max(0, late.TotalSeconds));

    /// <summary>The due-work job's latest look at the due index: <paramref name="users"/> users are due that it has not caught up yet.</summary>
    public void DueWorkFound(long users) => Interlocked.Exchange(ref _dueWorkPending, users);

    /// <summary>One due user caught up; never below zero, as users who fell due after the count are done too.</summary>
    public void DueWorkDone()
    {
        long pending;
        do
        {
            pending = Interlocked.Read(ref _dueWorkPending);
            if (pending <= 0)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _dueWorkPending, pending - 1, pending) != pending);
    }

    public void CommitRetried() => _commitRetries.Add(1);

    public void Committed(string provider, TimeSpan duration) =>
        _commitDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("provider", provider));

    public void HubConnected() => Interlocked.Increment(ref _hubConnections);

    public void HubDisconnected() => Interlocked.Decrement(ref _hubConnections);

    public void HubRefused(string reason) => _hubRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void ChangesRead(bool served) => _changesReads.Add(1, new KeyValuePair<string, object?>("result", served ? "served" : "gone"));
}

/// <summary>FocusSync's own spans: a change's commit, its hub send, and the due-work job's catch-up of one user.</summary>
public static class FocusSyncTracing
{
    public const string SourceName = "FocusSync";

    public static readonly ActivitySource Source = new(SourceName);
}
