using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FocusSync.Api.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace FocusSync.Tests.Auth;

/// <summary>
/// Bearer tokens nobody could have signed, sent to every open endpoint, every protected one and the hub's negotiate,
/// in Firebase mode (also trusting the Firebase Auth emulator, whose unsigned tokens get further) and in Development
/// mode: a 401 problem where a user is needed, anonymous everywhere else, never a 5xx, and never an error or a stack
/// trace in the log.
/// </summary>
public sealed class MalformedTokenTests
{
    /// <summary>Firebase mode trusting an emulator; nothing listens at its address, as the service never calls it.</summary>
    private const string Emulator = "Firebase with FIREBASE_AUTH_EMULATOR_HOST";

    private static readonly (string Method, string Path)[] OpenEndpoints =
    [
        ("GET", "/health"), ("GET", "/health/live"), ("GET", "/health/ready"), ("GET", "/openapi/v1.json"), ("GET", "/config"),
        ("GET", "/"), ("GET", "/index.html"), ("GET", "/app.css"), ("GET", "/api"), ("GET", "/no-such-page"),
    ];

    private static readonly (string Method, string Path)[] ProtectedEndpoints =
    [
        ("GET", "/me"), ("POST", "/me/login"), ("PATCH", "/me"), ("GET", "/sessions"), ("POST", "/sessions"),
        ("POST", "/sessions/1/actions/start"), ("GET", "/groups"), ("POST", "/groups"), ("GET", "/analytics"),
        ("POST", "/hubs/sessions/negotiate?negotiateVersion=1"),
    ];

    [Theory]
    [InlineData("Firebase")]
    [InlineData(Emulator)]
    [InlineData("Development")]
    public async Task AMalformedTokenOnAnOpenEndpointIsServedAsIfNoTokenWereSent(string mode)
    {
        await using var app = await StartAsync(mode);
        using var client = app.CreateClient();
        var endpoints = mode == "Development" ? [.. OpenEndpoints, ("POST", "/dev/token")] : OpenEndpoints;

        foreach (var (method, path) in endpoints)
        {
            using var anonymous = await SendAsync(client, method, path, authorization: null);
            Assert.True((int)anonymous.StatusCode < 500, $"{method} {path} without a token answered {(int)anonymous.StatusCode}");
            foreach (var authorization in Authorizations(app.Tokens, mode))
            {
                using var response = await SendAsync(client, method, path, authorization);
                Assert.True(
                    anonymous.StatusCode == response.StatusCode,
                    $"{method} {path} with '{Shorten(authorization)}' answered {(int)response.StatusCode}, without a token {(int)anonymous.StatusCode}");
            }
        }
    }

    [Theory]
    [InlineData("Firebase")]
    [InlineData(Emulator)]
    [InlineData("Development")]
    public async Task AMalformedTokenOnAProtectedEndpointOrTheHubIsA401Problem(string mode)
    {
        await using var app = await StartAsync(mode);
        using var client = app.CreateClient();

        foreach (var (method, path) in ProtectedEndpoints)
        {
            foreach (var authorization in Authorizations(app.Tokens, mode))
            {
                using var response = await SendAsync(client, method, path, authorization);
                await AssertUnauthorizedAsync(response, $"{method} {path} with '{Shorten(authorization)}'");
            }
        }

        foreach (var token in Unreadable().Concat(Invalid(app.Tokens, mode == Emulator)))
        {
            using var response = await SendAsync(client, "POST", "/hubs/sessions/negotiate?negotiateVersion=1&access_token=" + Uri.EscapeDataString(token), null);
            await AssertUnauthorizedAsync(response, $"negotiate with ?access_token='{Shorten(token)}'");
        }
    }

    [Theory]
    [InlineData("Firebase")]
    [InlineData(Emulator)]
    [InlineData("Development")]
    public async Task AnUnreadableTokenLogsNoWarningAndNoStackTraceEvenAtTraceLevel(string mode)
    {
        var logs = new LogCapture();
        await using var app = await StartAsync(mode, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
        });
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        using var client = logged.CreateClient();
        using (await client.GetAsync("/health", TestContext.Current.CancellationToken))
        {
            logs.Entries.Clear();
        }

        foreach (var token in Unreadable())
        {
            foreach (var (method, path) in new[] { ("GET", "/health"), ("GET", "/config"), ("GET", "/me"), ("POST", "/hubs/sessions/negotiate?negotiateVersion=1") })
            {
                using var response = await SendAsync(client, method, path, "Bearer " + token);
                Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}");
            }
        }

        var entries = logs.Entries.ToArray();
        Assert.NotEmpty(entries);
        Assert.All(entries, entry =>
        {
            Assert.True(entry.Level < LogLevel.Warning, $"a {entry.Level} entry: {entry}");
            Assert.True(entry.Exception is null, $"an entry with an exception: {entry}");
        });
    }

    [Theory]
    [InlineData("Firebase")]
    [InlineData(Emulator)]
    [InlineData("Development")]
    public async Task NoInvalidTokenLogsAWarningOrAStackTraceAtTheShippedLogLevels(string mode)
    {
        var logs = new LogCapture();
        await using var app = await StartAsync(mode);
        await using var logged = app.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
        using var client = logged.CreateClient();
        using (await client.GetAsync("/health", TestContext.Current.CancellationToken))
        {
            logs.Entries.Clear();
        }

        foreach (var authorization in Authorizations(app.Tokens, mode))
        {
            foreach (var (method, path) in new[] { ("GET", "/health"), ("GET", "/me"), ("POST", "/hubs/sessions/negotiate?negotiateVersion=1") })
            {
                using var response = await SendAsync(client, method, path, authorization);
                Assert.True((int)response.StatusCode < 500, $"{method} {path} answered {(int)response.StatusCode}");
            }
        }

        Assert.All(logs.Entries, entry =>
        {
            Assert.True(entry.Level < LogLevel.Warning, $"a {entry.Level} entry: {entry}");
            Assert.True(entry.Exception is null, $"an entry with an exception: {entry}");
        });
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task ASignedTokenWithOddlyTypedClaimsIsNeverA5xx(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        using var client = app.CreateClient();

        foreach (var token in OddlyTyped(app.Tokens))
        {
            foreach (var (method, path) in new[] { ("POST", "/me/login"), ("GET", "/me"), ("POST", "/hubs/sessions/negotiate?negotiateVersion=1") })
            {
                using var response = await SendAsync(client, method, path, "Bearer " + token);
                var status = (int)response.StatusCode;
                Assert.True(
                    response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized,
                    $"{method} {path} with '{Shorten(token)}' answered {status}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    await AssertUnauthorizedAsync(response, $"{method} {path} with '{Shorten(token)}'");
                }
            }
        }
    }

    /// <summary>Tokens the token handler cannot even read.</summary>
    public static IEnumerable<string> Unreadable()
    {
        var rs256 = Segment("""{"alg":"RS256","kid":"test-key-1","typ":"JWT"}""");
        var claims = Segment("""{"sub":"user-1"}""");
        string[] shapes =
        [
            "e30.a.b.c.d", "e30.e30.e30.e30.e30", $"{Segment("""{"alg":"RSA-OAEP","enc":"A256GCM","kid":"test-key-1"}""")}.a.b.c.d",
            "e30", "e30.e30", "a.b.c", "..", "...", ".e30.", "e30..", "..e30", "e30.e30.e30.e30", "!!!.$$$.%%%", "e30.e30.***",
            "e30 .e30.x", "e30.e30.x y", "ZZZZ.ZZZZ.ZZZZ", "\"\".\"\".\"\"", $"{rs256}.{claims}.{new string('=', 10)}",
            $"{Segment("not json")}.{claims}.", $"{Segment("[]")}.{claims}.", $"{Segment("\"header\"")}.{claims}.",
            $"{Segment("null")}.{claims}.", $"{Segment("42")}.{claims}.", $"{Segment("{")}.{claims}.", $"{Segment("{}{}")}.{claims}.",
            $"{rs256}.{Segment("not json")}.", $"{rs256}.{Segment("[1,2]")}.", $"{rs256}.{Segment("{\"sub\":")}.",
            $"{Segment(new byte[] { 0xFF, 0xFE, 0x7B, 0x7D })}.{claims}.", $"{rs256}.{Segment(new byte[] { 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D })}.",
            $"{Segment(new string('[', 100_000) + new string(']', 100_000))}.{claims}.",
            $"{Segment("{\"alg\":" + new string('{', 1000) + new string('}', 1000) + "}")}.{claims}.",
            $"{Segment("""{"alg":"RS256","kid":"\uD800"}""")}.{claims}.", "e30.e30." + new string('A', 300_000),
        ];
        return shapes;
    }

    /// <summary>
    /// Tokens that read as JWTs but no key of the service signed them as they are; with <paramref name="unsignedAccepted"/>
    /// (the emulator), without the one unsigned token whose claims are all right.
    /// </summary>
    public static IEnumerable<string> Invalid(TestTokens tokens, bool unsignedAccepted)
    {
        var claims = Segment("""{"sub":"user-1","iss":"x","aud":"y","exp":1,"iat":1,"auth_time":1}""");
        string[] headers =
        [
            "{}", """{"alg":"none"}""", """{"alg":"NONE","kid":"test-key-1"}""", """{"alg":1}""", """{"alg":null}""",
            """{"alg":["RS256"]}""", """{"alg":"RS256","kid":{}}""", """{"alg":"RS256","kid":123}""", """{"alg":"RS256","kid":[1,2]}""",
            """{"alg":"RS256","typ":true}""", """{"alg":"RS256","kid":"test-key-1","typ":{"a":{"b":{"c":[]}}}}""",
            """{"alg":"RS256","kid":"test-key-1","crit":["exp"]}""", """{"alg":"RS256","kid":"test-key-1","zip":"DEF"}""",
            """{"alg":"RS256","kid":"test-key-1","enc":"A128GCM"}""", """{"alg":"HS256","kid":"test-key-1"}""",
            """{"alg":"RS256","kid":"focussync-dev"}""", """{"alg":"RS256","kid":"x","x5u":"http://127.0.0.1/k"}""",
            "{\"alg\":\"RS256\",\"kid\":\"" + new string('k', 40_000) + "\"}",
        ];
        foreach (var header in headers)
        {
            yield return $"{Segment(header)}.{claims}.";
            yield return $"{Segment(header)}.{claims}.c2lnbmF0dXJl";
        }

        if (!unsignedAccepted)
        {
            yield return tokens.Mint(signature: TokenSignature.None);
        }

        yield return tokens.Mint(header: h => h["alg"] = "RS256", signature: TokenSignature.None);
        yield return tokens.Mint(signature: TokenSignature.Tampered);
        yield return tokens.Mint(signature: TokenSignature.OtherKey);
        yield return tokens.MintHs256WithPublicKeyAsSecret();
        yield return tokens.Mint(header: h => h["kid"] = "unknown");
        yield return tokens.Mint()[..^2];
    }

    /// <summary>Tokens the service's key signed, with claims of unexpected types and values.</summary>
    public static IEnumerable<string> OddlyTyped(TestTokens tokens)
    {
        var values = new Func<JsonNode?>[]
        {
            () => null, () => "text", () => "", () => 1.5, () => -1, () => 1e300, () => long.MaxValue, () => true,
            () => new JsonArray(1, "a"), () => new JsonObject { ["a"] = new JsonObject { ["b"] = 1 } }, () => "\u00e9\u2028\u202e",
            () => "a\u0000b\u001f", () => new string('n', 10_000),
        };
        foreach (var claim in new[] { "sub", "iss", "aud", "exp", "iat", "nbf", "auth_time", "name", "email", "firebase" })
        {
            foreach (var value in values)
            {
                yield return tokens.Mint(FocusSyncApp.NewUserId(), payload: p => p[claim] = value());
            }
        }

        yield return tokens.Mint(payload: p => p["iss"] = tokens.Issuer + "/\u00fcber");
        yield return tokens.Mint(payload: p => p["aud"] = "\u30d7\u30ed\u30b8\u30a7\u30af\u30c8");
        yield return tokens.SignRaw(tokens.HeaderBytes(), Encoding.UTF8.GetBytes("""{"sub":"\uD800","name":"\uDC00"}"""));
        yield return tokens.SignRaw(tokens.HeaderBytes(), [.. "{\"sub\":\""u8, 0xFF, .. "\"}"u8]);
        yield return tokens.SignRaw(tokens.HeaderBytes(), "[]"u8);
        yield return tokens.SignRaw(tokens.HeaderBytes(), Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)));
    }

    private static IEnumerable<string?> Authorizations(TestTokens tokens, string mode) =>
        Unreadable().Concat(Invalid(tokens, mode == Emulator)).Select(token => "Bearer " + token)
            .Concat(["Bearer", "Bearer ", "Bearer    ", "bearer e30.a.b.c.d", "BEARER e30.a.b.c.d", "Bearer e30.a.b.c.d, Bearer e30.e30.",
                "Basic dXNlcjpwYXNz", "Bearer\te30.a.b.c.d", "Bearer \u00e9.\u00e9.\u00e9", "e30.a.b.c.d"]);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? authorization)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (method is "POST" or "PATCH")
        {
            request.Content = new StringContent("""{"uid":"dev-user"}""", Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what} answered {(int)response.StatusCode}: {body}");
        Assert.Equal(ApiClient.ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var challenge = string.Join(", ", response.Headers.GetValues("WWW-Authenticate"));
        Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
        Assert.True(Ascii.IsValid(challenge), $"{what}: a non-ASCII challenge: {challenge}");
    }

    private static Task<FocusSyncApp> StartAsync(string mode, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []);
        if (mode == Emulator)
        {
            all[AuthStartupGuard.EmulatorHostVariable] = "127.0.0.1:9";
        }
        else
        {
            all["Auth:Mode"] = mode;
        }

        return FocusSyncApp.StartAsync(Db.Sqlite, all);
    }

    private static string Segment(string json) => Segment(Encoding.UTF8.GetBytes(json));

    private static string Segment(byte[] bytes) => Base64Url.EncodeToString(bytes);

    private static string Shorten(string? text) => text is null ? "(none)" : text.Length <= 80 ? text : text[..80] + "…";

    private sealed record LogEntry(LogLevel Level, string Category, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}: {Message} {Exception}";
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<LogEntry> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue(new LogEntry(logLevel, category, formatter(state, exception), exception));
        }
    }
}
