using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.RateLimiting;
using FocusSync.Api.Auth;
using FocusSync.Api.Http;
using FocusSync.Api.Observability;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace FocusSync.Api.Realtime;

/// <summary>
/// Stands in front of SignalR on the hub's two endpoints, after authentication and authorization.
/// <list type="bullet">
/// <item>A new connection (a negotiate, or a WebSocket opened without one) is limited per user and per remote
/// address twice over: a token bucket on how often, and a cap on how many are pending (not yet through the
/// handshake). A refusal is a 429 problem with Retry-After.</item>
/// <item>Every later request of a connection (long poll, send, DELETE, event stream, WebSocket with <c>?id=</c>)
/// must come from the user who negotiated it; SignalR itself only logs a changed user and serves the request.
/// Anyone else's gets the same 404 as a connection that does not exist.</item>
/// </list>
/// </summary>
public sealed class HubGate : IDisposable
{
    private static readonly object _entryKey = new();

    private readonly HubConnectionRegistry _registry;
    private readonly FocusSyncMetrics _metrics;
    private readonly PartitionedRateLimiter<HttpContext> _perUser;
    private readonly PartitionedRateLimiter<HttpContext> _perAddress;

    public HubGate(HubConnectionRegistry registry, IOptions<RealtimeOptions> options, FocusSyncMetrics metrics)
    {
        _registry = registry;
        _metrics = metrics;
        var limits = options.Value;
        _perUser = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
            context.User.UserId(), _ => Bucket(limits.NewConnectionBurstPerUser, limits.NewConnectionsPerMinutePerUser)));
        _perAddress = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
            AddressOf(context), _ => Bucket(limits.NewConnectionBurstPerAddress, limits.NewConnectionsPerMinutePerAddress)));
    }

    /// <summary>The connection a request of the hub belongs to, as the gate admitted it; read by <see cref="HandshakeTracker"/>.</summary>
    internal static HubConnectionEntry? EntryOf(HttpContext? context) =>
        context?.Items.TryGetValue(_entryKey, out var entry) == true ? entry as HubConnectionEntry : null;

    /// <summary>
    /// The partition of a remote address: an IPv4 address, or the /64 of an IPv6 one, since a single subscriber
    /// usually holds a whole /64 and could otherwise pick a fresh address for every request.
    /// </summary>
    internal static string AddressOf(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Puts the gate in front of one of the endpoints that MapHub creates.</summary>
    public void Guard(EndpointBuilder endpoint)
    {
        var inner = endpoint.RequestDelegate
            ?? throw new InvalidOperationException($"The hub endpoint {endpoint.DisplayName} has no request delegate.");
        endpoint.RequestDelegate = endpoint.Metadata.OfType<NegotiateMetadata>().Any()
            ? context => NegotiateAsync(context, inner)
            : context => TransportAsync(context, inner);
    }

    public void Dispose()
    {
        _perUser.Dispose();
        _perAddress.Dispose();
    }

    private static TokenBucketRateLimiterOptions Bucket(int burst, int perMinute)
    {
        // The partitioned limiter refills at most every 100 ms, so a faster rate is given as more tokens per refill.
        var tokensPerRefill = (perMinute + 599) / 600;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = tokensPerRefill,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) * tokensPerRefill / perMinute,
            QueueLimit = 0,
        };
    }

    private static bool IsWebSocketUpgrade(HttpRequest request) =>
        HttpMethods.IsConnect(request.Method)
        || request.Headers.Upgrade.Any(value => string.Equals(value, "websocket", StringComparison.OrdinalIgnoreCase));

    private static Task RefuseAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter = null)
    {
        if (retryAfter is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return Problems.WriteAsync(context, status, title, detail);
    }

    private async Task NegotiateAsync(HttpContext context, RequestDelegate inner)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await inner(context);
            return;
        }

        var entry = await AdmitAsync(context);
        if (entry is null)
        {
            return;
        }

        // The connection token is only in the response body; it is small, so it is read on its way out.
        var body = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        string? token = null;
        try
        {
            await inner(context);
            token = context.Response.StatusCode == StatusCodes.Status200OK ? ConnectionToken(buffer) : null;
        }
        finally
        {
            context.Response.Body = body;
            if (token is null)
            {
                _registry.Forget(entry);
            }
            else
            {
                _registry.AssignToken(entry, token);
            }
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(body, context.RequestAborted);
    }

    private async Task TransportAsync(HttpContext context, RequestDelegate inner)
    {
        var id = context.Request.Query["id"].ToString();
        if (id.Length == 0)
        {
            // A WebSocket may skip negotiate; it is a new connection all the same. Anything else without an id
            // is refused by SignalR.
            if (!IsWebSocketUpgrade(context.Request))
            {
                await inner(context);
                return;
            }

            if (await AdmitAsync(context) is not { } opened)
            {
                return;
            }

            context.Items[_entryKey] = opened;
            try
            {
                await inner(context);
            }
            finally
            {
                _registry.Forget(opened);
            }

            return;
        }

        var entry = _registry.Find(id);
        if (entry is null || entry.UserId != context.User.UserId())
        {
            _metrics.HubRefused("unknown_connection");
            await RefuseAsync(context, StatusCodes.Status404NotFound, "No such connection",
                "No hub connection with that id is open for this user. Negotiate a new one.");
            return;
        }

        context.Items[_entryKey] = entry;
        var persistent = IsWebSocketUpgrade(context.Request)
            || context.Request.Headers.Accept.Any(value => value?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
        try
        {
            await inner(context);
        }
        finally
        {
            // A WebSocket or event stream that ends before its handshake frees its place at once; a long poll is
            // one of many. A connection past its handshake is forgotten when the hub sees it disconnect.
            if (persistent && entry.IsPending)
            {
                _registry.Forget(entry);
            }
        }
    }

    /// <summary>Admits a new connection of the request's user, or writes the refusal and returns null.</summary>
    private async Task<HubConnectionEntry?> AdmitAsync(HttpContext context)
    {
        // The user's bucket is asked first, so a user's refused attempts never use up their address's bucket.
        if (await RateLimitedAsync(context, _perUser, "this user", "PerUser")
            || await RateLimitedAsync(context, _perAddress, "this address", "PerAddress"))
        {
            return null;
        }

        var (entry, fullLimit, pendingRetryAfter) = _registry.TryAdmit(context.User.UserId(), AddressOf(context));
        if (entry is null)
        {
            _metrics.HubRefused(fullLimit == nameof(RealtimeOptions.MaxPendingConnectionsPerUser)
                ? "pending_connections_per_user" : "pending_connections_per_address");
            await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Too many unfinished hub connections",
                $"Too many hub connections that have not completed the handshake (Realtime:{fullLimit}). "
                + "Complete or close them, or retry later.",
                pendingRetryAfter);
        }

        return entry;
    }

    /// <summary>Takes a permit from <paramref name="limiter"/>, or writes the 429 and returns true.</summary>
    private async Task<bool> RateLimitedAsync(HttpContext context, PartitionedRateLimiter<HttpContext> limiter, string who, string suffix)
    {
        using var lease = limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            return false;
        }

        _metrics.HubRefused(suffix == "PerUser" ? "new_connections_per_user" : "new_connections_per_address");
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        await RefuseAsync(context, StatusCodes.Status429TooManyRequests, "Too many new hub connections",
            $"Too many new hub connections from {who} (Realtime:NewConnectionBurst{suffix}, Realtime:NewConnectionsPerMinute{suffix}). "
            + $"Retry after {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.",
            retryAfter);
        return true;
    }

    private static string? ConnectionToken(MemoryStream negotiate)
    {
        try
        {
            using var document = JsonDocument.Parse(negotiate.GetBuffer().AsMemory(0, (int)negotiate.Length));
            return document.RootElement.TryGetProperty("connectionToken", out var token) && token.ValueKind == JsonValueKind.String
                ? token.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Tells the registry when a connection the gate admitted completes its handshake, and when it ends.</summary>
public sealed class HandshakeTracker(HubConnectionRegistry registry) : ConnectionBookkeeping
{
    protected override void Book(HubCallerContext connection)
    {
        if (HubGate.EntryOf(connection.GetHttpContext()) is { } entry)
        {
            registry.MarkEstablished(entry);
        }
    }

    protected override void GiveBack(HubCallerContext connection)
    {
        if (HubGate.EntryOf(connection.GetHttpContext()) is { } entry)
        {
            registry.Forget(entry);
        }
    }
}
