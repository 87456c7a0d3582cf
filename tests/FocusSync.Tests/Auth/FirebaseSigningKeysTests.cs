using System.Net;
using System.Net.Http.Headers;
using FocusSync.Api.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Tests.Auth;

public sealed class FirebaseSigningKeysTests : IDisposable
{
    private static readonly TimeSpan _maxAge = TimeSpan.FromHours(6);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeKeyServer _server = new();
    private readonly TestTokens _first;
    private readonly TestTokens _second;
    private readonly ServiceProvider _services;
    private readonly FirebaseSigningKeys _keys;

    public FirebaseSigningKeysTests()
    {
        _first = new TestTokens(_time, keyId: "google-key-1");
        _second = new TestTokens(_time, keyId: "google-key-2");
        _server.Publish(new() { [_first.KeyId] = _first.CertificatePem() }, _maxAge);

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(Options.Create(new AuthOptions { Firebase = { ProjectId = TestTokens.DefaultProjectId } }));
        services.AddHttpClient(FirebaseSigningKeys.HttpClientName).ConfigurePrimaryHttpMessageHandler(_server.CreateHandler);
        services.AddSingleton<DevTokenIssuer>();
        services.AddSingleton<FirebaseSigningKeys>();
        _services = services.BuildServiceProvider();
        _keys = _services.GetRequiredService<FirebaseSigningKeys>();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task KeysAreDownloadedOnFirstUseAndServedFromTheCacheWithinMaxAge()
    {
        Assert.Empty(_keys.Resolve(_first.KeyId));

        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);
        _time.Advance(_maxAge - TimeSpan.FromSeconds(1));
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);

        Assert.Equal(1, _server.Requests);
        Assert.Equal(_first.KeyId, Assert.Single(_keys.Resolve(_first.KeyId)).KeyId);
    }

    [Fact]
    public async Task KeysAreDownloadedAgainOnceMaxAgeHasPassed()
    {
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);
        _server.Publish(new() { [_second.KeyId] = _second.CertificatePem() }, _maxAge);

        _time.Advance(_maxAge);
        await _keys.EnsureFreshAsync(_second.KeyId, CancellationToken.None);

        Assert.Equal(2, _server.Requests);
        Assert.Empty(_keys.Resolve(_first.KeyId));
        Assert.Single(_keys.Resolve(_second.KeyId));
    }

    [Fact]
    public async Task AnUnknownKidTriggersADownloadThatPicksUpARotatedKey()
    {
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);
        _server.Publish(new() { [_first.KeyId] = _first.CertificatePem(), [_second.KeyId] = _second.CertificatePem() }, _maxAge);

        _time.Advance(FirebaseSigningKeys.MinRefreshInterval);
        await _keys.EnsureFreshAsync(_second.KeyId, CancellationToken.None);

        Assert.Equal(2, _server.Requests);
        Assert.Single(_keys.Resolve(_second.KeyId));
    }

    [Fact]
    public async Task UnknownKidsCauseAtMostOneDownloadPerMinimumInterval()
    {
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);

        for (var i = 0; i < 50; i++)
        {
            await _keys.EnsureFreshAsync($"forged-{i}", CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(1, _server.Requests);
        _time.Advance(FirebaseSigningKeys.MinRefreshInterval);
        await _keys.EnsureFreshAsync("forged-again", CancellationToken.None);
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task ConcurrentRequestsShareOneDownload()
    {
        var gate = _server.Hold();

        var waiting = Enumerable.Range(0, 20).Select(_ => _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None)).ToArray();
        Assert.All(waiting, t => Assert.False(t.IsCompleted));
        gate.SetResult();
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(1, _server.Requests);
        Assert.Single(_keys.Resolve(_first.KeyId));
    }

    [Fact]
    public async Task AFailedDownloadKeepsThePreviousKeys()
    {
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);
        _server.Fail(HttpStatusCode.ServiceUnavailable);

        _time.Advance(_maxAge);
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);

        Assert.Equal(2, _server.Requests);
        Assert.Single(_keys.Resolve(_first.KeyId));
    }

    [Fact]
    public async Task WithoutMaxAgeKeysAreKeptForTheDefaultPeriod()
    {
        _server.Publish(new() { [_first.KeyId] = _first.CertificatePem() }, maxAge: null);
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);

        _time.Advance(FirebaseSigningKeys.DefaultMaxAge - TimeSpan.FromSeconds(1));
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);
        Assert.Equal(1, _server.Requests);

        _time.Advance(TimeSpan.FromSeconds(1));
        await _keys.EnsureFreshAsync(_first.KeyId, CancellationToken.None);
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task ATokenSignedWithAPublishedGoogleCertificateIsAcceptedEndToEnd()
    {
        var configuration = new Dictionary<string, string?> { ["Auth:Mode"] = "Firebase", ["Auth:Firebase:ProjectId"] = TestTokens.DefaultProjectId };
        await using var app = await WhoAmIProbe.StartAsync(
            configuration,
            _time,
            services => services.AddHttpClient(FirebaseSigningKeys.HttpClientName).ConfigurePrimaryHttpMessageHandler(_server.CreateHandler));

        using var accepted = await app.GetWhoAmIAsync(_first.Mint("google-user"));
        using var unknown = await app.GetWhoAmIAsync(_second.Mint("intruder"));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
    }

    [Fact]
    public async Task ARequestAbortedWhileTheKeysDownloadLogsNoError()
    {
        var logs = new JwtBearerLog();
        await using var app = await WhoAmIProbe.StartAsync(
            new Dictionary<string, string?> { ["Auth:Mode"] = "Firebase", ["Auth:Firebase:ProjectId"] = TestTokens.DefaultProjectId },
            _time,
            services =>
            {
                services.AddHttpClient(FirebaseSigningKeys.HttpClientName).ConfigurePrimaryHttpMessageHandler(_server.CreateHandler);
                services.AddSingleton<ILoggerProvider>(logs);
            });
        var gate = _server.Hold();
        using var abort = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Get, WhoAmIProbe.WhoAmIPath);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _first.Mint());

        using var client = app.AnonymousClient();
        var sending = client.SendAsync(request, abort.Token);
        await _server.Requested.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        var entry = await logs.First.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        gate.SetResult();

        Assert.True(entry.Level < LogLevel.Warning && entry.Exception is null, $"{entry.Level}: {entry.Message} {entry.Exception}");
    }

    [Fact]
    public async Task ConfiguredSigningKeysReplaceTheDownload()
    {
        await using var app = await WhoAmIProbe.StartAsync(
            _first.FirebaseConfiguration(),
            _time,
            services => services.AddHttpClient(FirebaseSigningKeys.HttpClientName).ConfigurePrimaryHttpMessageHandler(_server.CreateHandler));

        using var accepted = await app.GetWhoAmIAsync(_first.Mint());
        using var unknown = await app.GetWhoAmIAsync(_second.Mint());

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(0, _server.Requests);
    }
}

/// <summary>The first entry JwtBearer's handler logs.</summary>
internal sealed class JwtBearerLog : ILoggerProvider
{
    private readonly TaskCompletionSource<(LogLevel Level, string Message, Exception? Exception)> _first =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<(LogLevel Level, string Message, Exception? Exception)> First => _first.Task;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _first);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, TaskCompletionSource<(LogLevel, string, Exception?)> first) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category == typeof(JwtBearerHandler).FullName;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            first.TrySetResult((logLevel, formatter(state, exception), exception));
    }
}
