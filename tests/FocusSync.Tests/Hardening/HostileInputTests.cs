using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;

namespace FocusSync.Tests.Hardening;

/// <summary>
/// A seeded fuzz loop over every endpoint: malformed and hostile bodies, ids, query strings and headers.
/// Nothing may answer 5xx; every 4xx is a problem; a rejected request changes nothing anyone can read.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    public const int Inputs = 2000;
    private const int Seed = 20261128;

    private static readonly string[] SessionFields = ["title", "groupId", "noGoal", "initialDuration", "dailyGoalMinutes"];
    private static readonly string[] GroupFields = ["name", "description"];
    private static readonly string[] ProfileFields = ["timeZone", "resetTime", "weekStart", "singleRunning"];
    private static readonly string[] StrayFields = ["id", "seq", "version", "userId", "state", "__proto__", "", "TITLE", "title "];

    private static readonly string[] JunkIds =
    [
        "0", "-1", "abc", "1.5", "9223372036854775807", "9223372036854775808", "99999999999999999999999", "%20", "1%2F2",
        "%D9%A1", "1e3", "+1", "0x10", "%2E%2E", "%01", "null", new string('9', 400), "1;DROP TABLE Sessions", "%27", "%E2%80%AE1",
    ];

    private static readonly string[] Malformed =
    [
        "", " ", "{", "}", "[]", "null", "true", "\"text\"", "{\"title\":}", "{'title':'x'}", "{\"title\":\"x\",}", "{\"title\" \"x\"}",
        "{\"title\":\"a\",\"title\":\"b\",\"initialDuration\":60,\"dailyGoalMinutes\":1}", "\uFEFF{}", "{\"a\":1}{\"b\":2}",
        "{\"title\":\"\\uD800\",\"initialDuration\":60,\"dailyGoalMinutes\":1}", "NaN", "{\"initialDuration\":NaN}",
        new string('[', 5000) + new string(']', 5000), "{\"x\":" + new string('{', 200) + new string('}', 200) + "}",
    ];

    private static readonly object?[] Values =
    [
        null, true, false, 0, -1, 1, 60, 1440, 1441, 86400, 86401, 1.5, -0.0, 1e300, long.MaxValue, decimal.MaxValue, "", " ", "x",
        "Europe/Paris", "Not/AZone", "07:30", "24:00", "7:30", "monday", "MONDAY", "\u0000", "a\u0000b", "\u0001x", "x\u007F", "\u0085y", "\u001B[31m", "\u202E", new string('x', 201),
        new string('y', 1001), "<script>alert(1)</script>", new Dictionary<string, object?>(), Array.Empty<object>(),
        new[] { 1, 2 }, new Dictionary<string, object?> { ["title"] = "nested" },
    ];

    [Theory]
    [InlineData("POST", "/sessions", """{"title":"\uD800","initialDuration":60,"dailyGoalMinutes":1}""", "title")]
    [InlineData("POST", "/groups", """{"name":"ok","description":["\uDC00"]}""", "description")]
    [InlineData("PATCH", "/me", """{"timeZone":"\uDFFF"}""", "timeZone")]
    [InlineData("POST", "/groups", """{"\uD800":1}""", "body")]
    public async Task AnUnpairedSurrogateIsA400NamingTheField(string method, string path, string body, string field) =>
        await AssertRejectedAsync(method, path, Encoding.UTF8.GetBytes(body), field);

    [Fact]
    public async Task ABodyThatIsNotUtf8IsA400NamingTheField() =>
        await AssertRejectedAsync("POST", "/groups", [.. "{\"name\":\""u8, 0xFF, .. "\"}"u8], "name");

    private static async Task AssertRejectedAsync(string method, string path, byte[] body, string field)
    {
        await using var app = await FocusSyncApp.StartAsync(Db.Sqlite);
        using var client = app.ClientFor(FocusSyncApp.NewUserId());
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), problem.RootElement.GetRawText());
        using var groups = await client.GetAsync("/groups");
        Assert.Equal(0, JsonDocument.Parse(await groups.Content.ReadAsStringAsync()).RootElement.GetProperty("groups").GetArrayLength());
    }

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task NoHostileRequestGetsA5xxAndEveryRejectionLeavesTheDataUnchanged(Db db)
    {
        await using var app = await FocusSyncApp.StartAsync(db);
        var random = new Random(Seed);
        var me = FocusSyncApp.NewUserId();
        var other = FocusSyncApp.NewUserId();
        using var client = app.CreateClient();
        var fuzz = new Fuzz(app, random, me, other);
        await fuzz.SeedAsync(client);

        var before = await fuzz.SnapshotAsync(client);
        var failures = new List<string>();
        var tally = new SortedDictionary<int, int>();
        for (var i = 0; i < Inputs && failures.Count < 50; i++)
        {
            using var request = fuzz.Next(before);
            var described = await DescribeAsync(request);
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            var status = (int)response.StatusCode;
            tally[status] = tally.GetValueOrDefault(status) + 1;
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (status >= 500)
            {
                failures.Add($"#{i}: {status} for {described}\n  answer: {Cut(text)}");
                continue;
            }

            if (status < 400)
            {
                before = await fuzz.SnapshotAsync(client);
                continue;
            }

            if (response.Content.Headers.ContentType?.MediaType != ApiClient.ProblemJson)
            {
                failures.Add($"#{i}: {status} without a problem body for {described}\n  answer: {Cut(text)}");
            }

            var after = await fuzz.SnapshotAsync(client);
            if (after.Text != before.Text)
            {
                failures.Add($"#{i}: {status} changed data for {described}\n  before: {Cut(before.Text)}\n  after: {Cut(after.Text)}");
                before = after;
            }
        }

        output.WriteLine($"{Inputs} inputs on {db}; statuses: " + string.Join(", ", tally.Select(t => $"{t.Key}×{t.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(tally.Keys.Any(s => s is >= 200 and < 300), "no input was valid; the generator is broken");
    }

    private static async Task<string> DescribeAsync(HttpRequestMessage request)
    {
        var body = request.Content is null ? "(no body)" : await request.Content.ReadAsStringAsync();
        var headers = string.Join("; ", request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .Select(h => h.Key == "Authorization" ? $"{h.Key}: {Cut(string.Join(",", h.Value), 40)}" : $"{h.Key}: {string.Join(",", h.Value)}"));
        return $"{request.Method} {request.RequestUri} [{headers}] {Cut(body)}";
    }

    private static string Cut(string text, int max = 400) => text.Length <= max ? text : text[..max] + $"…({text.Length} chars)";

    internal sealed record Snapshot(string Text, long[] SessionIds, long[] GroupIds);

    private sealed class Fuzz(FocusSyncApp app, Random random, string me, string other)
    {
        private long _otherSession;
        private long _otherGroup;

        public async Task SeedAsync(HttpClient client)
        {
            var group = await SendOkAsync(client, me, HttpMethod.Post, "/groups", """{"name":"Work"}""");
            var session = await SendOkAsync(client, me, HttpMethod.Post, "/sessions",
                $$"""{"title":"Write","groupId":{{group.GetProperty("id").GetInt64()}},"initialDuration":1500,"dailyGoalMinutes":60}""");
            await SendOkAsync(client, me, HttpMethod.Post, "/sessions", """{"title":"Read","noGoal":true}""");
            await SendOkAsync(client, me, HttpMethod.Post, $"/sessions/{session.GetProperty("id").GetInt64()}/actions/start", null);
            _otherGroup = (await SendOkAsync(client, other, HttpMethod.Post, "/groups", """{"name":"Theirs"}""")).GetProperty("id").GetInt64();
            _otherSession = (await SendOkAsync(client, other, HttpMethod.Post, "/sessions", """{"title":"Theirs","noGoal":true}"""))
                .GetProperty("id").GetInt64();
        }

        /// <summary>Everything either user can read; the fake clock stands still, so equal state reads equal.</summary>
        public async Task<Snapshot> SnapshotAsync(HttpClient client)
        {
            var text = new StringBuilder();
            foreach (var (uid, path) in new[] { (me, "/sessions"), (me, "/groups"), (me, "/me"), (other, "/sessions"), (other, "/groups") })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", app.Tokens.Mint(uid));
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                text.Append(path).Append(": ").AppendLine(await response.Content.ReadAsStringAsync());
            }

            var lines = text.ToString().Split('\n');
            using var sessions = JsonDocument.Parse(lines[0]["/sessions: ".Length..]);
            using var groups = JsonDocument.Parse(lines[1]["/groups: ".Length..]);
            return new Snapshot(
                text.ToString(),
                [.. sessions.RootElement.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("id").GetInt64())],
                [.. groups.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("id").GetInt64())]);
        }

        public HttpRequestMessage Next(Snapshot state)
        {
            var sessionId = Id(state.SessionIds, _otherSession);
            var groupId = Id(state.GroupIds, _otherGroup);
            var (method, path, fields) = Pick<(HttpMethod, string, string[]?)>(
                (HttpMethod.Post, "/me/login", null),
                (HttpMethod.Get, "/me", null),
                (HttpMethod.Patch, "/me", ProfileFields),
                (HttpMethod.Get, "/sessions", null),
                (HttpMethod.Get, $"/sessions/{sessionId}", null),
                (HttpMethod.Post, "/sessions", SessionFields),
                (HttpMethod.Post, $"/sessions/{sessionId}/actions/{Pick("start", "pause", "reset", "stop", "")}", null),
                (HttpMethod.Post, "/sessions/actions/reset-all", null),
                (HttpMethod.Patch, $"/sessions/{sessionId}", SessionFields),
                (HttpMethod.Delete, $"/sessions/{sessionId}", null),
                (HttpMethod.Get, "/groups", null),
                (HttpMethod.Post, "/groups", GroupFields),
                (HttpMethod.Patch, $"/groups/{groupId}", GroupFields),
                (HttpMethod.Delete, $"/groups/{groupId}", null),
                (HttpMethod.Get, "/analytics" + AnalyticsQuery(state), null),
                (HttpMethod.Post, "/dev/token", ["uid", "name", "email"]),
                (Pick(HttpMethod.Put, HttpMethod.Head, HttpMethod.Options, new HttpMethod("PROPFIND"), HttpMethod.Delete), Pick("/sessions", "/me", "/groups", "/sessions/actions/reset-all"), null));
            if (random.Next(20) == 0)
            {
                path += "?" + Pick("id=1", "access_token=abc", "%%%", "a=" + new string('b', 3000), "period=daily&period=weekly");
            }

            var request = new HttpRequestMessage(method, path);
            if (fields is not null || random.Next(10) == 0)
            {
                request.Content = Body(fields ?? SessionFields);
            }

            Headers(request);
            return request;
        }

        private string Id(long[] own, long theirs) => random.Next(4) switch
        {
            0 or 1 when own.Length > 0 => own[random.Next(own.Length)].ToString(CultureInfo.InvariantCulture),
            2 => theirs.ToString(CultureInfo.InvariantCulture),
            _ => Pick(JunkIds),
        };

        private string AnalyticsQuery(Snapshot state)
        {
            var parts = new List<string>();
            if (random.Next(4) > 0)
            {
                parts.Add("period=" + Pick("daily", "weekly", "monthly", "yearly", "", "DAILY", "daily%00", "1"));
            }

            foreach (var name in new[] { "from", "to" })
            {
                if (random.Next(2) == 0)
                {
                    parts.Add(name + "=" + Pick("2026-06-01", "2026-05-01", "2026-02-30", "0001-01-01", "9999-12-31", "2020-01-01",
                        "-1", "", "today", "2026-6-1", "20260601", "2026-06-01T00:00:00Z", "%00"));
                }
            }

            if (random.Next(3) == 0)
            {
                parts.Add("groupId=" + Id(state.GroupIds, _otherGroup));
            }

            return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
        }

        private ByteArrayContent Body(string[] fields)
        {
            string json;
            if (random.Next(4) == 0)
            {
                json = Pick(Malformed);
            }
            else
            {
                var body = new Dictionary<string, object?>();
                foreach (var field in fields.Where(_ => random.Next(3) > 0))
                {
                    body[field] = Pick(Values);
                }

                if (random.Next(6) == 0)
                {
                    body[Pick(StrayFields)] = Pick(Values);
                }

                json = JsonSerializer.Serialize(body);
            }

            var bytes = random.Next(30) == 0 ? [0xC3, 0x28, .. Encoding.UTF8.GetBytes(json)] : Encoding.UTF8.GetBytes(json);
            var content = new ByteArrayContent(bytes);
            var type = Pick("application/json", "application/json", "application/json", "text/plain", "application/json; charset=utf-16",
                "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "");
            if (type.Length > 0)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", type);
            }

            return content;
        }

        private void Headers(HttpRequestMessage request)
        {
            var token = app.Tokens.Mint(random.Next(8) == 0 ? other : me);
            var authorization = random.Next(12) switch
            {
                0 => null,
                1 => "Bearer",
                2 => "Bearer " + token + "x",
                3 => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("me:pw")),
                4 => "Bearer " + app.Tokens.Mint(me, signature: Auth.TokenSignature.None),
                5 => "Bearer " + app.Tokens.Mint(me, payload: p => p["sub"] = ""),
                6 => "Bearer " + app.Tokens.Mint(me, payload: p => p["sub"] = new string('u', 129)),
                _ => "Bearer " + token,
            };
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            if (random.Next(4) == 0)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", Pick("k1", "k2", "", new string('k', 201), "a\tb", "ключ"));
            }

            if (random.Next(5) == 0)
            {
                request.Headers.TryAddWithoutValidation("If-Match", Pick("\"1\"", "\"2\"", "*", "W/\"1\"", "1", "\"", "\"1\", \"2\"", ""));
            }

            if (random.Next(8) == 0)
            {
                request.Headers.TryAddWithoutValidation("Accept", Pick("text/html", "application/xml", "*/*", "nonsense"));
            }

            if (random.Next(10) == 0)
            {
                request.Headers.TryAddWithoutValidation("Origin", Pick("https://evil.example.net", "null", "http://localhost"));
            }
        }

        private async Task<JsonElement> SendOkAsync(HttpClient client, string uid, HttpMethod method, string path, string? json)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", app.Tokens.Mint(uid));
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        private T Pick<T>(params T[] items) => items[random.Next(items.Length)];
    }
}
