using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Realtime;

/// <summary>One hub connection as this instance knows it, from negotiate (or a WebSocket opened without one) to its end.</summary>
internal sealed class HubConnectionEntry(string userId, string address, DateTimeOffset pendingUntil)
{
    /// <summary>The user who negotiated (or opened) the connection: the only one whose requests may use it.</summary>
    public string UserId { get; } = userId;

    public string Address { get; } = address;

    /// <summary>The connection token of a negotiated connection (the <c>?id=</c> of its requests); null for one opened without negotiate.</summary>
    public string? Token { get; set; }

    public DateTimeOffset PendingUntil { get; } = pendingUntil;

    /// <summary>Negotiated or opened, and not yet through the handshake.</summary>
    public bool IsPending { get; set; } = true;

    public bool IsGone { get; set; }
}

/// <summary>
/// The hub connections of this instance: who owns each connection token, and which connections have not
/// completed the SignalR handshake yet. Those pending connections are what a client can open without ever
/// becoming a counted connection, so they are counted per user and per remote address and capped. A pending
/// connection leaves the count when its handshake completes, when its WebSocket or event stream ends, or when
/// SignalR would have dropped it anyway: <see cref="ConnectionOptions.DisconnectTimeout"/> after negotiate
/// for a connection that never started a transport, plus the handshake timeout.
/// </summary>
public sealed class HubConnectionRegistry(IOptions<RealtimeOptions> options, IOptions<ConnectionOptions> connections, TimeProvider time)
{
    /// <summary>SignalR's own default for <see cref="ConnectionOptions.DisconnectTimeout"/>.</summary>
    private static readonly TimeSpan _defaultDisconnectTimeout = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, HubConnectionEntry> _byToken = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly HashSet<HubConnectionEntry> _pending = [];
    private readonly Dictionary<string, int> _pendingPerUser = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _pendingPerAddress = new(StringComparer.Ordinal);

    /// <summary>The longest a connection can stay pending before SignalR itself has dropped it.</summary>
    public TimeSpan PendingTimeout => (connections.Value.DisconnectTimeout ?? _defaultDisconnectTimeout) + options.Value.HandshakeTimeout;

    /// <summary>Connections of <paramref name="userId"/> that are pending on this instance.</summary>
    public int PendingCount(string userId)
    {
        lock (_lock)
        {
            return Count(_pendingPerUser, userId);
        }
    }

    /// <summary>
    /// Takes a pending place for a new connection of <paramref name="userId"/> from <paramref name="address"/>, or
    /// returns the limit that is full (<see cref="RealtimeOptions"/> property name) and when a place frees up at the latest.
    /// </summary>
    internal (HubConnectionEntry? Entry, string? FullLimit, TimeSpan RetryAfter) TryAdmit(string userId, string address)
    {
        var limits = options.Value;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            RemoveExpired(now);
            if (Count(_pendingPerUser, userId) >= limits.MaxPendingConnectionsPerUser)
            {
                return (null, nameof(RealtimeOptions.MaxPendingConnectionsPerUser), UntilOldestExpires(e => e.UserId == userId, now));
            }

            if (Count(_pendingPerAddress, address) >= limits.MaxPendingConnectionsPerAddress)
            {
                return (null, nameof(RealtimeOptions.MaxPendingConnectionsPerAddress), UntilOldestExpires(e => e.Address == address, now));
            }

            var entry = new HubConnectionEntry(userId, address, now + PendingTimeout);
            _pending.Add(entry);
            _pendingPerUser[userId] = Count(_pendingPerUser, userId) + 1;
            _pendingPerAddress[address] = Count(_pendingPerAddress, address) + 1;
            return (entry, null, TimeSpan.Zero);
        }
    }

    /// <summary>Records the connection token that negotiate gave <paramref name="entry"/>'s connection.</summary>
    internal void AssignToken(HubConnectionEntry entry, string token)
    {
        lock (_lock)
        {
            if (entry.IsGone)
            {
                return;
            }

            entry.Token = token;
            _byToken[token] = entry;
        }
    }

    /// <summary>The live connection with this connection token, or null (none, ended, or never completed its handshake in time).</summary>
    internal HubConnectionEntry? Find(string token)
    {
        if (!_byToken.TryGetValue(token, out var entry))
        {
            return null;
        }

        if (entry.IsPending && entry.PendingUntil <= time.GetUtcNow())
        {
            lock (_lock)
            {
                // Checked again under the lock: the handshake may have completed meanwhile.
                if (entry.IsPending)
                {
                    ForgetLocked(entry);
                }
            }
        }

        return entry.IsGone ? null : entry;
    }

    /// <summary>The handshake completed: the connection is counted by <see cref="ConnectionCap"/> from now on.</summary>
    internal void MarkEstablished(HubConnectionEntry entry)
    {
        lock (_lock)
        {
            if (!entry.IsGone && entry.IsPending)
            {
                LeavePending(entry);
            }
        }
    }

    /// <summary>The connection has ended (or never will start): its token is no longer accepted. Safe to call more than once.</summary>
    internal void Forget(HubConnectionEntry entry)
    {
        lock (_lock)
        {
            ForgetLocked(entry);
        }
    }

    private static int Count(Dictionary<string, int> counts, string key) => counts.TryGetValue(key, out var count) ? count : 0;

    private static void Decrement(Dictionary<string, int> counts, string key)
    {
        var count = Count(counts, key) - 1;
        if (count <= 0)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = count;
        }
    }

    private void LeavePending(HubConnectionEntry entry)
    {
        entry.IsPending = false;
        _pending.Remove(entry);
        Decrement(_pendingPerUser, entry.UserId);
        Decrement(_pendingPerAddress, entry.Address);
    }

    private void ForgetLocked(HubConnectionEntry entry)
    {
        if (entry.IsGone)
        {
            return;
        }

        entry.IsGone = true;
        if (entry.IsPending)
        {
            LeavePending(entry);
        }

        if (entry.Token is { } token)
        {
            _byToken.TryRemove(new KeyValuePair<string, HubConnectionEntry>(token, entry));
        }
    }

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var expired in _pending.Where(e => e.PendingUntil <= now).ToList())
        {
            ForgetLocked(expired);
        }
    }

    private TimeSpan UntilOldestExpires(Func<HubConnectionEntry, bool> counted, DateTimeOffset now) =>
        _pending.Where(counted).Select(e => e.PendingUntil - now).DefaultIfEmpty(TimeSpan.Zero).Min();
}
