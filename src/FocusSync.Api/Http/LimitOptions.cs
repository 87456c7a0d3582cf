using System.ComponentModel.DataAnnotations;

namespace FocusSync.Api.Http;

/// <summary>
/// Sizes (the <c>Limits</c> section): how large one request may be and how much one user may keep.
/// How often a caller may send requests is <see cref="RateLimitOptions"/> (the <c>RateLimits</c> section).
/// </summary>
public sealed class LimitOptions
{
    public const string Section = "Limits";

    /// <summary>The largest request body accepted; every body of this API is a small JSON object.</summary>
    [Range(1, 100 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    [Range(1, 100_000)]
    public int MaxSessionsPerUser { get; set; } = 500;

    [Range(1, 100_000)]
    public int MaxGroupsPerUser { get; set; } = 100;
}
