using FocusSync.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Feed;

/// <summary>Deletes change events past <see cref="ChangeFeedOptions.Retention"/>, so that the feed does not grow with every change ever made.</summary>
public sealed class ChangeFeedPruner(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<ChangeFeedOptions> options, ILogger<ChangeFeedPruner> logger)
    : BatchPruner<ChangeFeedOptions>(scopes, time, options, logger)
{
    protected override string Rows => "old change events";

    protected override Task<int> DeleteBatchAsync(FocusSyncDb db, long cutoffMs, int batchSize, CancellationToken cancellationToken)
    {
        var batch = db.StoredChanges.Where(c => c.CreatedAtMs <= cutoffMs).OrderBy(c => c.CreatedAtMs).Take(batchSize);
        return db.StoredChanges.Where(c => batch.Any(b => b.UserId == c.UserId && b.Seq == c.Seq)).ExecuteDeleteAsync(cancellationToken);
    }
}
