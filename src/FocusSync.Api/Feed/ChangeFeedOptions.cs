using System.ComponentModel.DataAnnotations;
using FocusSync.Api.Data;

namespace FocusSync.Api.Feed;

public sealed class ChangeFeedOptions : IRetention
{
    public const string Section = "Changes";

    /// <summary>How long a change event stays readable from <c>GET /changes</c>; older ones are pruned.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00", ErrorMessage = "Changes:Retention must be from 1 minute to 3650 days.")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Time between two sweeps that delete events past the retention.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Changes:PruneInterval must be from 1 second to 1 day.")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Events deleted per statement.</summary>
    [Range(1, 100_000, ErrorMessage = "Changes:PruneBatchSize must be from 1 to 100000.")]
    public int PruneBatchSize { get; set; } = 1_000;
}
