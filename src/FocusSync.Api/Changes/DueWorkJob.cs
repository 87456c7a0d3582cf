using System.ComponentModel.DataAnnotations;
using FocusSync.Api.Data;
using FocusSync.Api.Http;
using FocusSync.Api.Observability;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Changes;

public sealed class DueWorkOptions
{
    public const string Section = "DueWork";

    /// <summary>Run the due-work job on this instance.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Users fetched per query of the due index.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>Users caught up at once.</summary>
    [Range(1, 64)]
    public int Parallelism { get; set; } = 4;

    /// <summary>
    /// Longest sleep between looks at the due index. It bounds how late work is found that no change on
    /// this instance announced: a user created by their first request, or a change made on another instance.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan MaxIdle { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Lets committed changes wake the due-work job early when they bring due work closer than the instant it
/// sleeps until, so a countdown started now completes on time without polling.
/// </summary>
public sealed class DueWorkSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sleepsUntilMs = long.MaxValue;

    public void Due(long dueMs)
    {
        lock (_lock)
        {
            if (dueMs < _sleepsUntilMs)
            {
                _wake.TrySetResult();
            }
        }
    }

    /// <summary>Called before looking for work, so that nothing announced during the look is missed.</summary>
    internal Task Arm()
    {
        lock (_lock)
        {
            if (_wake.Task.IsCompleted)
            {
                _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _sleepsUntilMs = long.MaxValue;
            return _wake.Task;
        }
    }

    internal void SleepUntil(long dueMs)
    {
        lock (_lock)
        {
            _sleepsUntilMs = dueMs;
        }
    }
}

/// <summary>
/// The background job that performs what falls due with no request: it completes countdowns and performs
/// auto-resets when they fall due, whether or not anyone is connected, and on start catches up whatever fell due
/// while the service was down. It finds due users through the index on <c>User.NextDueMs</c> and sleeps until the
/// earliest one. Each user's work goes through <see cref="ChangePipeline"/>, whose seq check lets exactly one
/// instance commit it when several run this job against one database; the others find nothing left to do.
/// </summary>
public sealed class DueWorkJob(
    IServiceScopeFactory scopes, TimeProvider time, DueWorkSignal signal,
    IOptions<DueWorkOptions> options, FocusSyncMetrics metrics, ILogger<DueWorkJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = signal.Arm();
            long? nextDueMs = null;
            try
            {
                nextDueMs = await RunDueWorkAsync(settings, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "The due-work job could not look for due work; it tries again shortly");
            }

            signal.SleepUntil(nextDueMs ?? long.MaxValue);
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var sleep = TimeSpan.FromMilliseconds(Math.Clamp((nextDueMs ?? long.MaxValue) - nowMs, 0, (long)settings.MaxIdle.TotalMilliseconds));
            if (sleep > TimeSpan.Zero)
            {
                await WaitAsync(sleep, wake, stoppingToken);
            }
        }
    }

    /// <summary>
    /// Catches up every due user once; returns the earliest due instant still ahead, or null when there is
    /// none. Users whose catch-up failed are tried again in the next pass, at most <see cref="DueWorkOptions.MaxIdle"/> later.
    /// </summary>
    private async Task<long?> RunDueWorkAsync(DueWorkOptions settings, CancellationToken cancellationToken)
    {
        (long DueMs, string Id)? after = null;
        var backlogCounted = false;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FocusSyncDb>();
        while (true)
        {
            // Re-read each round, so that what fell due while a batch ran is taken in this pass too.
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var query = db.Users.AsNoTracking().Where(u => u.NextDueMs <= nowMs);
            if (after is var (afterMs, afterId))
            {
                // Keyset paging: a user whose catch-up failed is not fetched again in this pass.
                query = query.Where(u => u.NextDueMs > afterMs || (u.NextDueMs == afterMs && string.Compare(u.Id, afterId) > 0));
            }

            var due = await query
                .OrderBy(u => u.NextDueMs).ThenBy(u => u.Id)
                .Select(u => new { u.NextDueMs, u.Id })
                .Take(settings.BatchSize)
                .ToListAsync(cancellationToken);

            if (due.Count == 0)
            {
                // Users still due here are those whose catch-up failed in this pass: wait for the next real due time.
                metrics.DueWorkFound(0);
                return await db.Users.Where(u => u.NextDueMs > nowMs).MinAsync(u => (long?)u.NextDueMs, cancellationToken);
            }

            // A full first batch may be the head of a backlog: then the gauge counts the whole of it, once a pass, and each
            // user done counts it down; counting again per batch would read the backlog's index over and over. Users who
            // fall due during the pass, or whom another instance takes, make that count drift until the pass ends.
            if (!backlogCounted)
            {
                metrics.DueWorkFound(due.Count < settings.BatchSize ? due.Count : await query.CountAsync(cancellationToken));
                backlogCounted = due.Count == settings.BatchSize;
            }

            after = (due[^1].NextDueMs, due[^1].Id);
            var ids = due.Select(u => u.Id).ToArray();

            // Instances that share the database fetch the same batch; a different order makes them collide less.
            Random.Shared.Shuffle(ids);
            await Parallel.ForEachAsync(
                ids,
                new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken },
                CatchUpAsync);
        }
    }

    private async ValueTask CatchUpAsync(string userId, CancellationToken cancellationToken)
    {
        using var span = FocusSyncTracing.Source.StartActivity("due work");
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ChangePipeline>().CatchUpAsync(userId, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // One user's failure must not stop everyone else's completions; it is retried on the next pass.
            logger.LogError(ex, "Catching up user {UserId} failed", userId);
        }
        finally
        {
            metrics.DueWorkDone();
        }
    }

    private async Task WaitAsync(TimeSpan sleep, Task wake, CancellationToken stoppingToken)
    {
        using var cancelSleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(sleep, time, cancelSleep.Token);
        await Task.WhenAny(delay, wake);
        await cancelSleep.CancelAsync();
        await delay.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

public static class DueWorkSetup
{
    /// <summary>The change pipeline, and the job that runs what falls due through it.</summary>
    public static WebApplicationBuilder AddDueWork(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<DueWorkOptions>(DueWorkOptions.Section);
        builder.Services.AddScoped<ChangePipeline>();
        builder.Services.AddSingleton<DueWorkSignal>();
        builder.Services.AddHostedService<DueWorkJob>();
        return builder;
    }
}
