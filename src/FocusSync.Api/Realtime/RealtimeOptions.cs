using System.ComponentModel.DataAnnotations;

namespace FocusSync.Api.Realtime;

public sealed class RealtimeOptions
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
}
