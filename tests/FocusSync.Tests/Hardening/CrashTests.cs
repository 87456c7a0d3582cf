using System.Net.Http.Json;
using System.Text.Json;
using FocusSync.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace FocusSync.Tests.Hardening;

/// <summary>
/// The built service as a child process, killed with SIGKILL in the middle of a burst of writes from concurrent
/// clients and started again on the same database.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Users = 4;
    private const int ClientsPerUser = 2;
    private const int AcknowledgedBeforeKill = 200;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AKilledServiceKeepsEveryAcknowledgedWriteAndRetriedCreationsHappenOnce(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var settings = ServiceSettings(database);
        var run = Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, Users).Select(i => $"crash-{run}-{i}").ToArray();
        var tokens = new Dictionary<string, string>();
        var runners = new Dictionary<string, Runner>();
        var burst = new ActionBurst(run);
        int inFlightAtKill;

        await using (var first = await ServiceHost.StartAsync(settings))
        {
            foreach (var user in users)
            {
                tokens[user] = await first.TokenAsync(user);
                using var client = first.ClientFor(tokens[user]);
                runners[user] = await StartRunnerAsync(client);
            }

            var clients = Enumerable.Range(0, Users * ClientsPerUser)
                .Select(c => burst.RunClientAsync(first, users[c % Users], tokens[users[c % Users]], c))
                .ToArray();
            await burst.WaitForAcknowledgedAsync(AcknowledgedBeforeKill, TimeSpan.FromSeconds(30));
            burst.Stop();
            inFlightAtKill = burst.InFlight;
            await first.KillAsync();
            await Task.WhenAll(clients);
            Assert.True(burst.Rejected.Count == 0, "a request of the burst was refused: " + string.Join("; ", burst.Rejected));
        }

        if (db == Db.Sqlite)
        {
            Assert.Equal("ok", IntegrityCheck(database.ConnectionString));
        }

        await using var second = await ServiceHost.StartAsync(settings);
        var problems = new List<string>();
        var committedUnacknowledged = 0;
        var createdByRetry = 0;
        foreach (var user in users)
        {
            using var client = second.ClientFor(tokens[user]);
            var (before, serverTimeMs) = await ListAsync(client);

            // The session that was running at the crash has run, by the server's clock, exactly since runStartedAtMs.
            var runner = runners[user];
            var afterCrash = before[runner.Id];
            Assert.Equal("RUNNING", afterCrash.GetProperty("state").GetString());
            Assert.Equal(runner.RunStartedAtMs, afterCrash.GetProperty("runStartedAtMs").GetInt64());
            Assert.Equal(runner.CreditedMs + (serverTimeMs - runner.RunStartedAtMs), Ms(afterCrash.GetProperty("focusSeconds")));

            var byTitle = before.Values.ToLookup(s => s.GetProperty("title").GetString()!);
            foreach (var creation in burst.Creations(user))
            {
                if (creation.Acknowledged && !before.ContainsKey(creation.SessionId))
                {
                    problems.Add($"acknowledged creation {creation.Key} (session {creation.SessionId}) is missing");
                }

                var existed = byTitle[creation.Key].Any();
                using var retry = await client.SendAsync(ActionBurst.CreateRequest(creation.Key), TestContext.Current.CancellationToken);
                var body = await retry.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken);
                if ((int)retry.StatusCode != 201)
                {
                    problems.Add($"retrying {creation.Key} answered {(int)retry.StatusCode}: {body}");
                    continue;
                }

                var id = body.GetProperty("id").GetInt64();
                if (creation.Acknowledged && id != creation.SessionId)
                {
                    problems.Add($"retrying acknowledged {creation.Key} gave session {id}, not {creation.SessionId}");
                }

                if (!creation.Acknowledged)
                {
                    committedUnacknowledged += existed ? 1 : 0;
                    createdByRetry += existed ? 0 : 1;
                }
            }

            var (after, _) = await ListAsync(client);
            var counts = after.Values.GroupBy(s => s.GetProperty("title").GetString()!).ToDictionary(g => g.Key, g => g.Count());
            foreach (var creation in burst.Creations(user))
            {
                if (counts.GetValueOrDefault(creation.Key) != 1)
                {
                    problems.Add($"{creation.Key} exists {counts.GetValueOrDefault(creation.Key)} times after its retry");
                }
            }

            foreach (var (sessionId, acknowledged) in burst.LastAcknowledged(user))
            {
                if (!after.TryGetValue(sessionId, out var now))
                {
                    problems.Add($"session {sessionId} with acknowledged actions is missing");
                    continue;
                }

                var version = now.GetProperty("version").GetInt32();
                var acknowledgedVersion = acknowledged.GetProperty("version").GetInt32();
                if (version < acknowledgedVersion)
                {
                    problems.Add($"session {sessionId} is at version {version}, below the acknowledged {acknowledgedVersion}");
                }
                else if (version == acknowledgedVersion && !SameState(now, acknowledged))
                {
                    problems.Add($"session {sessionId} at the acknowledged version {version} is {now}, acknowledged as {acknowledged}");
                }
            }
        }

        var unacknowledgedCreations = burst.AllCreations.Count(c => !c.Acknowledged);
        output.WriteLine(
            $"{db}: {burst.AcknowledgedWrites} acknowledged writes ({burst.AllCreations.Count(c => c.Acknowledged)} creations), " +
            $"{inFlightAtKill} requests in flight at SIGKILL, {problems.Count} lost or inconsistent; " +
            $"{unacknowledgedCreations} unacknowledged creations retried: {committedUnacknowledged} had committed, " +
            $"{createdByRetry} were created by the retry, each exactly once.");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(inFlightAtKill > 0, "the kill did not land in the middle of the burst");
        Assert.True(burst.AcknowledgedWrites >= AcknowledgedBeforeKill);
    }

    internal static Dictionary<string, string?> ServiceSettings(TestDatabase database) =>
        new(database.Settings)
        {
            ["Auth:Mode"] = "Development",
            ["Auth:DevelopmentSigningKey"] = ServiceHost.NewSigningKeyPem(),
        };

    internal static async Task<(Dictionary<long, JsonElement> Sessions, long ServerTimeMs)> ListAsync(HttpClient client)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/sessions");
        return (list.GetProperty("sessions").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetInt64()),
            list.GetProperty("serverTimeMs").GetInt64());
    }

    internal static long Ms(JsonElement seconds) => (long)Math.Round(seconds.GetDouble() * 1000);

    /// <summary>A goalless session with some time credited, running again: the one that is running at the crash.</summary>
    private static async Task<Runner> StartRunnerAsync(HttpClient client)
    {
        // Several sessions run at once in the burst; none of them may pause the runner.
        using var settings = await client.PatchAsJsonAsync("/me", new { singleRunning = false });
        settings.EnsureSuccessStatusCode();
        using var created = await client.PostAsJsonAsync("/sessions", new { title = "runner", noGoal = true });
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        foreach (var action in new[] { "start", "pause" })
        {
            using var step = await client.PostAsync($"/sessions/{id}/actions/{action}", null);
            step.EnsureSuccessStatusCode();
        }

        using var started = await client.PostAsync($"/sessions/{id}/actions/start", null);
        started.EnsureSuccessStatusCode();
        var session = await started.Content.ReadFromJsonAsync<JsonElement>();

        // At the instant a run starts, focusSeconds is exactly what was credited before it.
        return new Runner(id, Ms(session.GetProperty("focusSeconds")), session.GetProperty("runStartedAtMs").GetInt64());
    }

    private static bool SameState(JsonElement a, JsonElement b) =>
        a.GetProperty("state").GetString() == b.GetProperty("state").GetString()
        && a.GetProperty("runStartedAtMs").ToString() == b.GetProperty("runStartedAtMs").ToString()
        && a.GetProperty("isCompleted").GetBoolean() == b.GetProperty("isCompleted").GetBoolean();

    private static string IntegrityCheck(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)command.ExecuteScalar()!;
    }

    private sealed record Runner(long Id, long CreditedMs, long RunStartedAtMs);
}

/// <summary>
/// A burst of writes from concurrent clients (creations with an Idempotency-Key, start, pause, reset), each client
/// on its own sessions, recording which requests were acknowledged (answered 2xx) and what they answered.
/// </summary>
internal sealed class ActionBurst(string run)
{
    private static readonly string[] _actions = ["start", "pause", "reset"];

    private readonly Lock _lock = new();
    private readonly List<Attempt> _attempts = [];
    private readonly TaskCompletionSource _enough = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _acknowledged;
    private int _target = int.MaxValue;
    private volatile bool _stopped;

    public int AcknowledgedWrites => Volatile.Read(ref _acknowledged);

    /// <summary>Requests sent and not yet answered.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _attempts.Count(a => !a.Done);
            }
        }
    }

    /// <summary>Answers that were neither 2xx nor a lost connection.</summary>
    public List<string> Rejected { get; } = [];

    public IReadOnlyList<Attempt> AllCreations
    {
        get
        {
            lock (_lock)
            {
                return [.. _attempts.Where(a => a.Action == "create")];
            }
        }
    }

    public static HttpRequestMessage CreateRequest(string key) => new(HttpMethod.Post, "/sessions")
    {
        Headers = { { "Idempotency-Key", key } },
        Content = JsonContent.Create(new { title = key, initialDuration = 3600, dailyGoalMinutes = 60 }),
    };

    public IEnumerable<Attempt> Creations(string user) => AllCreations.Where(a => a.User == user);

    /// <summary>Per session of <paramref name="user"/>, the acknowledged answer with the highest version.</summary>
    public Dictionary<long, JsonElement> LastAcknowledged(string user)
    {
        lock (_lock)
        {
            return _attempts
                .Where(a => a.User == user && a.Acknowledged)
                .GroupBy(a => a.SessionId)
                .ToDictionary(g => g.Key, g => g.MaxBy(a => a.Response.GetProperty("version").GetInt32())!.Response);
        }
    }

    public Task WaitForAcknowledgedAsync(int count, TimeSpan timeout)
    {
        lock (_lock)
        {
            _target = count;
            if (_acknowledged >= count)
            {
                _enough.TrySetResult();
            }
        }

        return _enough.Task.WaitAsync(timeout);
    }

    /// <summary>No client sends another request; those in flight go on.</summary>
    public void Stop() => _stopped = true;

    /// <summary>One client: sends one request at a time until stopped or until a request gets no answer.</summary>
    public async Task RunClientAsync(ServiceHost host, string user, string token, int client)
    {
        using var http = host.ClientFor(token);
        var random = new Random(client + 1);
        var mine = new List<long>();
        for (var n = 0; !_stopped; n++)
        {
            var create = mine.Count < 3 || random.Next(4) == 0;
            var attempt = create
                ? new Attempt(user, "create", $"{run}-c{client}-{n}")
                : new Attempt(user, _actions[random.Next(_actions.Length)], "") { SessionId = mine[random.Next(mine.Count)] };
            lock (_lock)
            {
                _attempts.Add(attempt);
            }

            try
            {
                using var request = create
                    ? CreateRequest(attempt.Key)
                    : new HttpRequestMessage(HttpMethod.Post, $"/sessions/{attempt.SessionId}/actions/{attempt.Action}");
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    lock (_lock)
                    {
                        attempt.Done = true;
                        Rejected.Add($"{attempt.Action} {attempt.Key}{attempt.SessionId}: {(int)response.StatusCode} {text}");
                    }

                    return;
                }

                var body = JsonSerializer.Deserialize<JsonElement>(text);
                lock (_lock)
                {
                    attempt.Response = body;
                    attempt.SessionId = body.GetProperty("id").GetInt64();
                    attempt.Acknowledged = true;
                    attempt.Done = true;
                    if (++_acknowledged >= _target)
                    {
                        _enough.TrySetResult();
                    }
                }

                if (create)
                {
                    mine.Add(attempt.SessionId);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                // The process is gone: this request is unacknowledged, whether or not it committed.
                lock (_lock)
                {
                    attempt.Done = true;
                }

                return;
            }
        }
    }

    internal sealed record Attempt(string User, string Action, string Key)
    {
        public long SessionId { get; set; }
        public bool Acknowledged { get; set; }
        public bool Done { get; set; }
        public JsonElement Response { get; set; }
    }
}
