using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Data;

public sealed class IdempotencyOptions : IRetention
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

/// <summary>Deletes expired idempotency records, so that what a user stores does not grow with every key they ever sent.</summary>
public sealed class IdempotencyPruner(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<IdempotencyOptions> options, ILogger<IdempotencyPruner> logger)
    : BatchPruner<IdempotencyOptions>(scopes, time, options, logger)
{
    protected override string Rows => "expired idempotency records";

    protected override Task<int> DeleteBatchAsync(FocusSyncDb db, long cutoffMs, int batchSize, CancellationToken cancellationToken)
    {
        var batch = db.IdempotentRequests.Where(r => r.CreatedAtMs <= cutoffMs).OrderBy(r => r.CreatedAtMs).Take(batchSize);

        // The outer condition is checked again on a row a concurrent request just reused, which then stays.
        return db.IdempotentRequests
            .Where(r => r.CreatedAtMs <= cutoffMs && batch.Any(b => b.UserId == r.UserId && b.Key == r.Key))
            .ExecuteDeleteAsync(cancellationToken);
    }
}
