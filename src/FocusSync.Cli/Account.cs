using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FocusSync.Client;

namespace FocusSync.Cli;

/// <summary>
/// The signed-in account as one command uses it: tokens (a development one renewed when it expires), the REST client,
/// the replay of the offline queue through the library's live view, the queue itself and the last known sessions.
/// </summary>
internal sealed class Account : IDisposable
{
    private readonly CliContext _context;
    private readonly HttpClient _anonymous;
    private readonly SemaphoreSlim _renewal = new(1, 1);
    private bool _renewed;

    private Account(CliContext context, Profile profile, TimeSpan timeout)
    {
        _context = context;
        Profile = profile;
        Timeout = timeout;
        _anonymous = new HttpClient { BaseAddress = profile.Server, Timeout = timeout };
        Client = new FocusSyncClient(new HttpClient { BaseAddress = profile.Server, Timeout = timeout }, TokenAsync);
        Store = new JsonFileOperationStore(profile.QueueFile(context.ConfigDirectory));
    }

    public Profile Profile { get; private set; }

    public TimeSpan Timeout { get; }

    public FocusSyncClient Client { get; }

    public JsonFileOperationStore Store { get; }

    public static Account Open(CliContext context, TimeSpan timeout) => new(context, ProfileFile.Load(context.ConfigDirectory), timeout);

    /// <summary>Asks a server in development sign-in mode for a token of <paramref name="name"/>.</summary>
    public static async Task<DevelopmentToken> DevelopmentTokenAsync(HttpClient anonymous, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await FocusSyncClient.IssueDevelopmentTokenAsync(anonymous, name, name, cancellationToken: cancellationToken);
        }
        catch (FocusSyncApiException e) when (e.Status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            throw new CliException(ExitCodes.Refused, $"--dev: {anonymous.BaseAddress} has no development sign-in (it runs Firebase sign-in): sign in with --token.");
        }
    }

    public async ValueTask<string> TokenAsync(CancellationToken cancellationToken)
    {
        if (Profile.DevName is null)
        {
            return Profile.Token;
        }

        // The live view asks from several threads at once (the hub and its requests): one renewal serves them all.
        await _renewal.WaitAsync(cancellationToken);
        try
        {
            if (!_renewed && (Profile.ExpiresAtMs is not { } expires || expires - 60_000 < _context.Time.GetUtcNow().ToUnixTimeMilliseconds()))
            {
                await RenewAsync(cancellationToken);
            }

            return Profile.Token;
        }
        finally
        {
            _renewal.Release();
        }
    }

    /// <summary>
    /// Whether the server answers (<c>GET /me</c>). A token it refuses is an error of its own: a development one is
    /// renewed once, a Firebase one cannot be, so the person is told to sign in again.
    /// </summary>
    public async Task<bool> ReachAsync(CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                await Client.GetMeAsync(cancellationToken);
            }
            catch (FocusSyncApiException e) when (e.Status == HttpStatusCode.Unauthorized && Profile.DevName is not null)
            {
                await RenewAsync(cancellationToken);
                await Client.GetMeAsync(cancellationToken);
            }

            return true;
        }
        catch (FocusSyncApiException e) when (e.Status == HttpStatusCode.Unauthorized)
        {
            var expiry = Profile.ExpiresAtMs is { } ms ? $" (it expires at {DateTimeOffset.FromUnixTimeMilliseconds(ms):u})" : "";
            throw new CliException(ExitCodes.Refused, Profile.DevName is null
                ? $"The server refused your Firebase ID token{expiry}: it has expired or is not for this server. focussync cannot refresh a Firebase token: run focussync login again with a fresh one."
                : $"The server refused the development token for '{Profile.DevName}': run focussync login again.");
        }
        catch (Exception e) when (IsUnreachable(e, cancellationToken))
        {
            return false;
        }
    }

    /// <summary>A failure that means the server could not be reached (not a refusal of the request).</summary>
    public static bool IsUnreachable(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpRequestException => true,
        // HttpClient's own timeout, not the person's Ctrl+C.
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        FocusSyncApiException api => (int)api.Status is 502 or 503 or 504,
        _ => false,
    };

    public FocusSyncViewOptions ViewOptions() => new()
    {
        BaseAddress = Profile.Server,
        TokenProvider = TokenAsync,
        Store = Store,
        TimeProvider = _context.Time,
    };

    /// <summary>
    /// Sends what was queued offline, through the library's live view, and waits until the server has answered every
    /// operation. Returns how many were sent, or null when the server could not be reached in time (they stay queued).
    /// When another focussync process (a watch) holds the queue, sends nothing: that process sends it.
    /// </summary>
    public async Task<Replay?> ReplayAsync(CancellationToken cancellationToken)
    {
        var queued = await Store.LoadAsync(cancellationToken);
        if (queued.Count == 0)
        {
            return new Replay(0, []);
        }

        var refusals = new ConcurrentQueue<OperationRefusedEventArgs>();
        var view = FocusSyncView.Create(ViewOptions());
        view.OperationRefused += (_, e) => refusals.Enqueue(e);
        var synced = false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            await view.StartAsync(timeout.Token);
            await view.WhenSyncedAsync(timeout.Token);
            synced = true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Not answered in time: whatever was not sent stays in the queue for the next command.
        }
        catch (OperationStoreInUseException)
        {
            return new Replay(0, [], HeldElsewhere: queued.Count);
        }
        finally
        {
            // Disposing waits for the view's loop to end, so every refusal it received has been raised by now.
            await view.DisposeAsync();
        }

        return synced ? new Replay(queued.Count, [.. refusals]) : null;
    }

    /// <summary>Adds an action to the offline queue, as the live view would have: returns how many now wait.</summary>
    public async Task<int> QueueAsync(OperationKind kind, long? sessionId, JsonObject? body, int? baseVersion, CancellationToken cancellationToken)
    {
        IAsyncDisposable claim;
        try
        {
            claim = await Store.ClaimAsync(cancellationToken);
        }
        catch (OperationStoreInUseException)
        {
            throw new CliException(ExitCodes.Busy,
                $"{Profile.Server} cannot be reached, and another focussync process (a running watch?) holds the offline queue {Store.Path}: "
                + "nothing was queued. Run the command again once that process has ended.");
        }

        await using var held = claim;
        var queue = (await Store.LoadAsync(cancellationToken)).ToList();
        var cache = LoadCache();
        var at = _context.Time.GetUtcNow().ToUnixTimeMilliseconds() + (cache?.ClockOffsetMs ?? 0);
        // Only the first queued action on a session is checked against the version last seen: the later ones follow from it.
        var checkedVersion = queue.Any(o => o.SessionId == sessionId) ? null : baseVersion;
        var operation = new QueuedOperation(Guid.NewGuid().ToString("N"), kind, sessionId, body, at, sessionId < 0 ? null : checkedVersion)
        {
            LocalId = kind == OperationKind.Create ? Math.Min(-1, queue.Select(o => o.LocalId ?? 0).Append(0).Min() - 1) : null,
        };
        queue.Add(operation);
        await Store.SaveAsync(queue, cancellationToken);
        return queue.Count;
    }

    public async Task<int> PendingAsync(CancellationToken cancellationToken) => (await Store.LoadAsync(cancellationToken)).Count;

    public void SaveCache(SessionList list, IReadOnlyList<Group> groups) => ProfileFile.WritePrivate(
        Profile.CacheFile(_context.ConfigDirectory),
        JsonSerializer.Serialize(
            new SessionCache(list.Sessions, groups, list.ServerTimeMs, list.ServerTimeMs - _context.Time.GetUtcNow().ToUnixTimeMilliseconds()),
            ProfileFile.Json));

    public SessionCache? LoadCache()
    {
        var path = Profile.CacheFile(_context.ConfigDirectory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SessionCache>(File.ReadAllText(path), ProfileFile.Json);
        }
        catch (JsonException)
        {
            // A cache written by another version: the next command that reaches the server writes it again.
            return null;
        }
    }

    /// <summary>The server's clock as last seen, for countdowns shown offline.</summary>
    public long ServerNowMs(SessionCache? cache) => _context.Time.GetUtcNow().ToUnixTimeMilliseconds() + (cache?.ClockOffsetMs ?? 0);

    public void Dispose()
    {
        Client.Dispose();
        _anonymous.Dispose();
        _renewal.Dispose();
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var token = await DevelopmentTokenAsync(_anonymous, Profile.DevName!, cancellationToken);
        Profile = Profile with { Token = token.Token, ExpiresAtMs = token.ExpiresAtMs };
        ProfileFile.Save(_context.ConfigDirectory, Profile);
        _renewed = true;
    }
}

/// <summary>
/// What replaying the offline queue did: how many operations were sent, and those the server refused; or, with
/// <paramref name="HeldElsewhere"/>, how many wait in a queue another focussync process holds and sends.
/// </summary>
internal sealed record Replay(int Sent, IReadOnlyList<OperationRefusedEventArgs> Refusals, int HeldElsewhere = 0);

/// <summary>The sessions and groups as the server last sent them, and how far its clock was ahead of this machine's.</summary>
internal sealed record SessionCache(IReadOnlyList<Session> Sessions, IReadOnlyList<Group> Groups, long ServerTimeMs, long ClockOffsetMs);
