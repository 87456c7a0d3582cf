using System.ComponentModel.DataAnnotations;

namespace FocusSync.Api.Realtime;

public sealed class RealtimeOptions : IValidatableObject
{
    public const string Section = "Realtime";

    /// <summary>Connections one user may hold on one instance; the next one is closed at once with an error.</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Largest message a client may send, in bytes. Clients only listen, so pings and the handshake are all that arrive.</summary>
    [Range(256, 1024 * 1024)]
    public int MaximumReceiveMessageSize { get; set; } = 4 * 1024;

    /// <summary>Bytes of events buffered for one connection before its sends wait on the client.</summary>
    [Range(4 * 1024, 16 * 1024 * 1024)]
    public int MaxBufferedBytesPerConnection { get; set; } = 64 * 1024;

    /// <summary>How long one send may wait on a client that does not read before its connection is dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a connection may stay open without completing the SignalR handshake before it is closed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:01:00")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>New connections (negotiates, and WebSockets opened without one) a user may start at once after being idle.</summary>
    [Range(1, 100_000)]
    public int NewConnectionBurstPerUser { get; set; } = 40;

    /// <summary>New connections a user may start per minute, sustained.</summary>
    [Range(1, 100_000)]
    public int NewConnectionsPerMinutePerUser { get; set; } = 60;

    /// <summary>New connections one remote address (an IPv6 /64) may start at once after being idle, all its users together.</summary>
    [Range(1, 1_000_000)]
    public int NewConnectionBurstPerAddress { get; set; } = 400;

    /// <summary>New connections one remote address may start per minute, sustained.</summary>
    [Range(1, 1_000_000)]
    public int NewConnectionsPerMinutePerAddress { get; set; } = 1200;

    /// <summary>Connections of one user that are negotiated or open but have not completed the handshake yet.</summary>
    [Range(1, 10_000)]
    public int MaxPendingConnectionsPerUser { get; set; } = 20;

    /// <summary>Connections from one remote address that have not completed the handshake yet, all its users together.</summary>
    [Range(1, 1_000_000)]
    public int MaxPendingConnectionsPerAddress { get; set; } = 200;

    /// <summary>
    /// Each address limit must exceed the matching user limit: an address limit that one user can reach by
    /// themselves would let that user lock out everyone behind the same address.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        (string User, int UserValue, string Address, int AddressValue)[] pairs =
        [
            (nameof(NewConnectionBurstPerUser), NewConnectionBurstPerUser, nameof(NewConnectionBurstPerAddress), NewConnectionBurstPerAddress),
            (nameof(NewConnectionsPerMinutePerUser), NewConnectionsPerMinutePerUser, nameof(NewConnectionsPerMinutePerAddress), NewConnectionsPerMinutePerAddress),
            (nameof(MaxPendingConnectionsPerUser), MaxPendingConnectionsPerUser, nameof(MaxPendingConnectionsPerAddress), MaxPendingConnectionsPerAddress),
        ];
        foreach (var (user, userValue, address, addressValue) in pairs.Where(p => p.AddressValue <= p.UserValue))
        {
            yield return new ValidationResult(
                $"{Section}:{address} ({addressValue}) must be greater than {Section}:{user} ({userValue}), "
                + "so that one user cannot use up the whole allowance of their address.",
                [address]);
        }
    }
}
