using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace FocusSync.Tests.Hardening;

public sealed class LogPrivacyTests
{
    private const string Email = "private.person@example.org";

    [Fact]
    public async Task NoLogEntryContainsATokenOrAnEmailEvenAtTraceLevel()
    {
        var logs = new CapturingLoggerProvider();
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Trace",
        });
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        var uid = FocusSyncApp.NewUserId();
        var token = app.Tokens.Mint(uid, payload: p => p["email"] = Email);
        var expired = app.Tokens.Mint(uid, payload: p =>
        {
            p["email"] = Email;
            p["exp"] = p["iat"]!.GetValue<long>() - 7200;
        });
        using var client = logged.CreateClient();

        foreach (var (path, bearer, expected) in new[]
        {
            ("/me/login", token, HttpStatusCode.OK),
            ("/sessions", token, HttpStatusCode.Created),
            ("/me/login", expired, HttpStatusCode.Unauthorized),
            ("/me/login", token + "x", HttpStatusCode.Unauthorized),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            if (path == "/sessions")
            {
                request.Content = new StringContent("""{"title":"Write","initialDuration":1500,"dailyGoalMinutes":60}""", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(expected, response.StatusCode);
        }

        // The hub's token in the query string, as browsers send it on a WebSocket upgrade.
        await using var hub = logged.HubClientFor(() => null, HttpTransportType.LongPolling, "?access_token=" + token);
        await hub.Connection.StartAsync(TestContext.Current.CancellationToken);
        await hub.Connection.StopAsync(TestContext.Current.CancellationToken);
        await using var rejected = logged.HubClientFor(() => null, HttpTransportType.LongPolling, "?access_token=" + expired);
        await Assert.ThrowsAnyAsync<Exception>(() => rejected.Connection.StartAsync(TestContext.Current.CancellationToken));

        var entries = logs.Entries.ToArray();
        Assert.True(entries.Length > 20, $"only {entries.Length} log entries were captured; is the provider wired?");
        var signature = token[(token.LastIndexOf('.') + 1)..];
        foreach (var entry in entries)
        {
            foreach (var secret in new[] { token, expired, signature, Email })
            {
                Assert.False(entry.Contains(secret, StringComparison.OrdinalIgnoreCase), $"a log entry holds a secret: {entry}");
            }
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                entries.Enqueue($"{category} scope: {Describe(state)}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} | state: {Describe(state)} | {exception}");

            private static string Describe<TState>(TState state) =>
                state is IEnumerable<KeyValuePair<string, object?>> pairs
                    ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
                    : state?.ToString() ?? "";
        }
    }
}
