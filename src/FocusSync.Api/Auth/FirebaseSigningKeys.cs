using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace FocusSync.Api.Auth;

/// <summary>
/// The RSA keys Firebase ID tokens may be signed with: Google's published x509 certificates
/// (cached per Cache-Control max-age), or the keys configured in Auth:Firebase:SigningKeys,
/// plus the development key in Development mode.
/// </summary>
public sealed partial class FirebaseSigningKeys
{
    public const string HttpClientName = "FirebaseSigningKeys";

    public static readonly TimeSpan MinRefreshInterval = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromMinutes(15);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FirebaseSigningKeys> _logger;
    private readonly Uri _keysUrl;
    private readonly bool _downloads;
    private readonly Lock _refreshLock = new();
    private volatile Snapshot _snapshot;
    private DateTimeOffset _lastAttempt = DateTimeOffset.MinValue;
    private Task? _refreshing;

    public FirebaseSigningKeys(
        IOptions<AuthOptions> options,
        IHttpClientFactory httpClientFactory,
        TimeProvider timeProvider,
        DevTokenIssuer devTokenIssuer,
        ILogger<FirebaseSigningKeys> logger)
    {
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _logger = logger;

        var auth = options.Value;
        _keysUrl = auth.Firebase.KeysUrl;

        var configured = new Dictionary<string, SecurityKey>(StringComparer.Ordinal);
        foreach (var (kid, pem) in auth.Firebase.SigningKeys)
        {
            if (SigningKeyPem.TryParse(kid, pem, out var key))
            {
                configured[kid] = key;
            }
        }

        if (auth.Mode == AuthMode.Development)
        {
            configured[DevTokenIssuer.KeyId] = devTokenIssuer.SigningKey;
        }

        // Development mode never downloads, so the embedded default runs offline.
        _downloads = auth.Mode == AuthMode.Firebase && auth.Firebase.SigningKeys.Count == 0;
        _snapshot = new Snapshot(configured, _downloads ? DateTimeOffset.MinValue : DateTimeOffset.MaxValue);
    }

    /// <summary>The keys for a token's kid, from the current snapshot; never blocks.</summary>
    public IReadOnlyCollection<SecurityKey> Resolve(string? kid) =>
        kid is not null && _snapshot.Keys.TryGetValue(kid, out var key) ? [key] : [];

    /// <summary>
    /// Refreshes the snapshot when it is past its max-age or does not know <paramref name="kid"/>,
    /// at most once per <see cref="MinRefreshInterval"/>; concurrent callers share one download.
    /// </summary>
    public async Task EnsureFreshAsync(string? kid, CancellationToken cancellationToken)
    {
        if (!_downloads)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        if (!NeedsRefresh(_snapshot, kid, now))
        {
            return;
        }

        Task refreshing;
        lock (_refreshLock)
        {
            if (_refreshing is not { IsCompleted: false })
            {
                if (now - _lastAttempt < MinRefreshInterval)
                {
                    return;
                }

                _lastAttempt = now;
                _refreshing = RefreshAsync();
            }

            refreshing = _refreshing;
        }

        await refreshing.WaitAsync(cancellationToken);
    }

    private static bool NeedsRefresh(Snapshot snapshot, string? kid, DateTimeOffset now) =>
        now >= snapshot.ExpiresAt || (kid is not null && !snapshot.Keys.ContainsKey(kid));

    private async Task RefreshAsync()
    {
        try
        {
            var client = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync(_keysUrl);
            response.EnsureSuccessStatusCode();
            var pems = await response.Content.ReadFromJsonAsync<Dictionary<string, string>>()
                ?? throw new InvalidOperationException("The signing key document is empty.");

            var keys = new Dictionary<string, SecurityKey>(StringComparer.Ordinal);
            foreach (var (kid, pem) in pems)
            {
                if (SigningKeyPem.TryParse(kid, pem, out var key))
                {
                    keys[kid] = key;
                }
                else
                {
                    LogUnreadableKey(kid, _keysUrl);
                }
            }

            var maxAge = response.Headers.CacheControl?.MaxAge ?? DefaultMaxAge;
            var age = response.Headers.Age ?? TimeSpan.Zero;
            _snapshot = new Snapshot(keys, _timeProvider.GetUtcNow() + maxAge - age);
            LogRefreshed(keys.Count, maxAge - age);
        }
        catch (Exception e)
        {
            // Keep the last good keys: Google rotates with overlap, and an outage must not sign everyone out.
            LogRefreshFailed(e, _keysUrl);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} Firebase signing keys, fresh for {MaxAge}")]
    private partial void LogRefreshed(int count, TimeSpan maxAge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh Firebase signing keys from {Url}; keeping the previous keys")]
    private partial void LogRefreshFailed(Exception exception, Uri url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring unreadable signing key {Kid} from {Url}")]
    private partial void LogUnreadableKey(string kid, Uri url);

    private sealed record Snapshot(IReadOnlyDictionary<string, SecurityKey> Keys, DateTimeOffset ExpiresAt);
}
