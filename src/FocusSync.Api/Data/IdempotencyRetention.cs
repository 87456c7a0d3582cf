using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Data;

public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key's first response is replayed; after that the key is new again and its record is pruned.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Idempotency:Retention must be from 1 minute to 365 days.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Time between two sweeps that delete expired records.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Idempotency:PruneInterval must be from 1 second to 1 day.")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Records deleted per statement.</summary>
    [Range(1, 100_000, ErrorMessage = "Idempotency:PruneBatchSize must be from 1 to 100000.")]
    public int PruneBatchSize { get; set; } = 1_000;

    /// <summary>Whether a record made at <paramref name="createdAtMs"/> no longer binds its key at <paramref name="nowMs"/>.</summary>
    public bool IsExpired(long createdAtMs, long nowMs) => createdAtMs <= CutoffMs(nowMs);

    internal long CutoffMs(long nowMs) => nowMs - (long)Retention.TotalMilliseconds;
}

/// <summary>
/// Deletes expired idempotency records, so that what a user stores does not grow with every key they ever sent.
/// Each batch is one short transaction (on SQLite, one turn of the single writer), so a sweep over many records
/// holds up a user's change for at most one batch. Every instance sweeps; deleting twice is harmless.
/// </summary>
public sealed class IdempotencyPruner(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<IdempotencyOptions> options, ILogger<IdempotencyPruner> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Pruning expired idempotency records failed; the next sweep tries again");
            }

            await Task.Delay(options.Value.PruneInterval, time, stoppingToken).ContinueWith(
                _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Deletes every record expired by now, batch by batch; returns how many it deleted.</summary>
    internal async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoffMs = settings.CutoffMs(time.GetUtcNow().ToUnixTimeMilliseconds());
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FocusSyncDb>();
        var total = 0;
        int deleted;
        do
        {
            await using var turn = await WriteLock.AcquireAsync(db, userId: null, cancellationToken);
            var batch = db.IdempotentRequests.Where(r => r.CreatedAtMs <= cutoffMs)
                .OrderBy(r => r.CreatedAtMs).Take(settings.PruneBatchSize);

            // The outer condition is checked again on a row a concurrent request just reused, which then stays.
            deleted = await db.IdempotentRequests
                .Where(r => r.CreatedAtMs <= cutoffMs && batch.Any(b => b.UserId == r.UserId && b.Key == r.Key))
                .ExecuteDeleteAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == settings.PruneBatchSize);

        return total;
    }
}
