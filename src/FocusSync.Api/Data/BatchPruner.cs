using Microsoft.Extensions.Options;

namespace FocusSync.Api.Data;

/// <summary>How long rows are kept, and how a background sweep deletes the rest.</summary>
public interface IRetention
{
    TimeSpan Retention { get; }

    TimeSpan PruneInterval { get; }

    int PruneBatchSize { get; }
}

/// <summary>
/// Deletes rows past their retention, so that what a user stores does not grow for ever. Each batch is one short
/// transaction (on SQLite, one turn of the single writer), so a sweep over many rows holds up a user's change for
/// at most one batch. Every instance sweeps; deleting twice is harmless.
/// </summary>
public abstract class BatchPruner<TOptions>(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<TOptions> options, ILogger logger) : BackgroundService
    where TOptions : class, IRetention
{
    /// <summary>What the rows are, for the log.</summary>
    protected abstract string Rows { get; }

    /// <summary>Deletes at most <paramref name="batchSize"/> rows created at or before <paramref name="cutoffMs"/>; returns how many.</summary>
    protected abstract Task<int> DeleteBatchAsync(FocusSyncDb db, long cutoffMs, int batchSize, CancellationToken cancellationToken);

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
                logger.LogError(ex, "Pruning {Rows} failed; the next sweep tries again", Rows);
            }

            await Task.Delay(options.Value.PruneInterval, time, stoppingToken).ContinueWith(
                _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Deletes every row past the retention by now, batch by batch; returns how many it deleted.</summary>
    internal async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoffMs = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)settings.Retention.TotalMilliseconds;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FocusSyncDb>();
        var total = 0;
        int deleted;
        do
        {
            await using var turn = await WriteLock.AcquireAsync(db, userId: null, cancellationToken);
            deleted = await DeleteBatchAsync(db, cutoffMs, settings.PruneBatchSize, cancellationToken);
            await turn.CommitAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == settings.PruneBatchSize);

        return total;
    }
}
