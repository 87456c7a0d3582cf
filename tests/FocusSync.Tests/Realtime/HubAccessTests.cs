using System.Collections.Concurrent;
using System.Net;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FocusSync.Tests.Realtime;

public sealed class HubAccessTests(Apps apps) : IClassFixture<Apps>
{
    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task AConnectionWithoutAValidTokenIsRefused(HttpTransportType transport)
    {
        var app = await apps.ForAsync(Db.Sqlite);
        foreach (var token in new[] { null, app.Tokens.Mint(signature: TokenSignature.Tampered), "not-a-jwt" })
        {
            await using var client = app.HubClientFor(() => token, transport);
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.Connection.StartAsync(TestContext.Current.CancellationToken));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
    }

    [Fact]
    public async Task TheQueryStringTokenIsAcceptedOnlyOnTheHubPath()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        var token = app.Tokens.Mint(FocusSyncApp.NewUserId());
        using var http = app.CreateClient();

        using var api = await http.GetAsync($"/sessions?access_token={token}", TestContext.Current.CancellationToken);
        using var negotiate = await http.PostAsync($"{HubClients.HubPath}/negotiate?negotiateVersion=1&access_token={token}", null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
    }

    [Fact]
    public async Task TheConnectionOverThePerUserCapIsRefused()
    {
        var app = await apps.ForAsync(Db.Sqlite);
        using var user = app.ClientFor(FocusSyncApp.NewUserId());
        var admitted = await EventDeliveryTests.ConnectAsync(app, user.Uid, 20);

        await using var over = await app.ConnectHubAsync(user.Uid);
        var error = await over.Closed.WaitAsync(HubClient.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Contains("at most 20", error?.Message, StringComparison.Ordinal);

        await user.CreateGroupAsync("still heard");
        foreach (var client in admitted)
        {
            Assert.Equal("addGroup", (await client.NextAsync()).Type());
        }

        await admitted[0].DisposeAsync();
        await using var again = await app.ConnectHubAsync(user.Uid);
        await user.CreateGroupAsync("a freed place is taken");
        Assert.Equal("addGroup", (await again.NextAsync()).Type());
        foreach (var client in admitted.Skip(1))
        {
            await client.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.LongPolling)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    public async Task LogsNeverContainAHubAccessToken(HttpTransportType transport)
    {
        var app = await apps.ForAsync(Db.Sqlite);
        var logs = new CapturingLoggerProvider();
        await using var logged = app.WithWebHostBuilder(host =>
        {
            host.UseSetting("Logging:LogLevel:Default", "Trace");
            host.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace");
            host.UseSetting("Logging:Console:LogLevel:Default", "Trace");
            host.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(logs));
        });
        var uid = FocusSyncApp.NewUserId();
        var token = app.Tokens.Mint(uid);
        var forged = app.Tokens.Mint(uid, signature: TokenSignature.Tampered);

        await using (var client = logged.HubClientFor(() => null, transport, $"?access_token={token}"))
        {
            await client.Connection.StartAsync(TestContext.Current.CancellationToken);
            using var http = logged.CreateDefaultClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
            (await http.PostAsync("/groups", System.Net.Http.Json.JsonContent.Create(new { name = "logged" }), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            Assert.Equal("addGroup", (await client.NextAsync()).Type());
        }

        await using (var refused = logged.HubClientFor(() => null, transport, $"?access_token={forged}"))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => refused.Connection.StartAsync(TestContext.Current.CancellationToken));
        }

        var lines = logs.Lines;
        Assert.Contains(lines, l => l.Contains("/hubs/sessions", StringComparison.Ordinal) || l.Contains("SignalR", StringComparison.Ordinal));
        foreach (var secret in new[] { token, forged }.Select(t => t[(t.LastIndexOf('.') + 1)..]))
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                lines.Enqueue($"{category} scope: {Describe(state)}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} | {Describe(state)} | {exception}");

            private static string Describe<T>(T state) =>
                state is IEnumerable<KeyValuePair<string, object?>> values
                    ? string.Join("; ", values.Select(v => $"{v.Key}={v.Value}"))
                    : state?.ToString() ?? "";
        }
    }
}
