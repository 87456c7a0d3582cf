using System.ComponentModel.DataAnnotations;

namespace FocusSync.Api.Http;

public sealed class LimitOptions
{
    public const string Section = "Limits";

    [Range(1, 100_000)]
    public int MaxSessionsPerUser { get; set; } = 500;

    [Range(1, 100_000)]
    public int MaxGroupsPerUser { get; set; } = 100;
}
