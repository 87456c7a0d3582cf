using System.ComponentModel.DataAnnotations;

namespace FocusSync.Api.Realtime;

/// <summary>The Redis backplane that carries events between instances; without a connection an instance serves only its own clients.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string; when set, readiness also checks Redis.</summary>
    public string? Connection { get; set; }

    /// <summary>Prefix of the backplane's channels, so that deployments can share one Redis.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ChannelPrefix { get; set; } = "focussync";
}
