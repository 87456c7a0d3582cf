using FocusSync.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Feed;

/// <summary>
/// Deletes change events past <see cref="ChangeFeedOptions.Retention"/>, so that the feed does not grow with every
/// change ever made. Each batch is one short transaction (on SQLite, one turn of the single writer), so a sweep over
/// many events holds up a user's change for at most one batch. Every instance sweeps; deleting twice is harmless.
/// </summary>
public sealed class ChangeFeedPruner(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<ChangeFeedOptions> options, ILogger<ChangeFeedPruner> logger)
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
                logger.LogError(ex, "Pruning old change events failed; the next sweep tries again");
            }

            await Task.Delay(options.Value.PruneInterval, time, stoppingToken).ContinueWith(
                _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Deletes every event past the retention by now, batch by batch; returns how many it deleted.</summary>
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
            var batch = db.StoredChanges.Where(c => c.CreatedAtMs <= cutoffMs)
                .OrderBy(c => c.CreatedAtMs).Take(settings.PruneBatchSize);
            deleted = await db.StoredChanges
                .Where(c => batch.Any(b => b.UserId == c.UserId && b.Seq == c.Seq))
                .ExecuteDeleteAsync(cancellationToken);
            await turn.CommitAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == settings.PruneBatchSize);

        return total;
    }
}
