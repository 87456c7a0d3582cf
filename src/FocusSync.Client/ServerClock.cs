namespace FocusSync.Client;

/// <summary>The server's clock as this device estimates it: the local clock plus the offset the last answer showed.</summary>
internal sealed class ServerClock(TimeProvider local)
{
    private long _offsetMs;

    public long LocalMs => local.GetUtcNow().ToUnixTimeMilliseconds();

    public long NowMs => LocalMs + Interlocked.Read(ref _offsetMs);

    public TimeSpan Offset => TimeSpan.FromMilliseconds(OffsetMs);

    public long OffsetMs => Interlocked.Read(ref _offsetMs);

    /// <summary>Takes the offset from a hub event or a response (not from a feed event, whose time is its change's).</summary>
    public void Observe(long serverTimeMs) => Interlocked.Exchange(ref _offsetMs, serverTimeMs - LocalMs);

    /// <summary>Takes an offset saved earlier, until the server answers again.</summary>
    public void Assume(long offsetMs) => Interlocked.Exchange(ref _offsetMs, offsetMs);
}

/// <summary>
/// Waits between reconnect attempts: none before the first attempt after a connection ends, then a delay that doubles
/// from <see cref="Initial"/> up to <see cref="Maximum"/>, each drawn at random between its half and its whole so that
/// many clients dropped at once do not return at once.
/// </summary>
public sealed record ReconnectBackoff(TimeSpan Initial, TimeSpan Maximum)
{
    public static readonly ReconnectBackoff Default = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>The wait before attempt <paramref name="failures"/> + 1, after that many failed attempts in a row.</summary>
    public TimeSpan Delay(int failures)
    {
        if (failures <= 0)
        {
            return TimeSpan.Zero;
        }

        var ceiling = Math.Min(Maximum.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + (Random.Shared.NextDouble() * ceiling / 2));
    }
}
