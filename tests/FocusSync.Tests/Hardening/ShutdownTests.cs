using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FocusSync.Api.Realtime;
using FocusSync.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace FocusSync.Tests.Hardening;

/// <summary>The built service as a child process, stopped with SIGTERM while it is busy.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan _wait = TimeSpan.FromSeconds(15);

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task SigtermFinishesInFlightRequestsClosesHubConnectionsWithAReasonAndExitsWithZero(Db db)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var settings = CrashTests.ServiceSettings(database);
        var run = Guid.NewGuid().ToString("N")[..8];
        var users = new[] { $"stop-{run}-0", $"stop-{run}-1" };
        var tokens = new Dictionary<string, string>();
        var countdowns = new List<long>();
        var burst = new ActionBurst(run);
        var slowKey = $"{run}-slow";
        TimeSpan exitedAfter;
        long slowId;

        await using (var first = await ServiceHost.StartAsync(settings))
        {
            foreach (var user in users)
            {
                tokens[user] = await first.TokenAsync(user);
            }

            using var owner = first.ClientFor(tokens[users[0]]);
            (await owner.PatchAsJsonAsync("/me", new { singleRunning = false }, cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            for (var i = 0; i < 5; i++)
            {
                using var created = await owner.PostAsJsonAsync("/sessions", new { title = $"due-{i}", initialDuration = 1, dailyGoalMinutes = 1 }, cancellationToken: TestContext.Current.CancellationToken);
                var id = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken)).GetProperty("id").GetInt64();
                countdowns.Add(id);
            }

            var plain = HubClients.HubClientAt(first.Address, () => tokens[users[0]]);
            await using var plainDisposal = plain;
            await plain.Connection.StartAsync(TestContext.Current.CancellationToken);
            await using var resilient = new HubConnectionBuilder()
                .WithUrl(new Uri(first.Address, HubClients.HubPath), o => o.AccessTokenProvider = () => Task.FromResult<string?>(tokens[users[1]]))
                .WithAutomaticReconnect([TimeSpan.FromSeconds(30)])
                .Build();
            var reconnecting = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            resilient.Reconnecting += error =>
            {
                reconnecting.TrySetResult(error);
                return Task.CompletedTask;
            };
            await resilient.StartAsync(TestContext.Current.CancellationToken);

            // A creation whose body the client holds back: once the server asks for it (100 Continue), the
            // request is inside the endpoint, in flight, and stays so until the test lets the body go.
            var slowBody = new GatedJsonContent(SlowJson(slowKey));
            using var slowClient = first.ClientFor(tokens[users[0]], new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60) });
            using var slowRequest = new HttpRequestMessage(HttpMethod.Post, "/sessions") { Content = slowBody };
            slowRequest.Headers.ExpectContinue = true;
            slowRequest.Headers.Add("Idempotency-Key", slowKey);
            var slow = slowClient.SendAsync(slowRequest, TestContext.Current.CancellationToken);
            await slowBody.ServerIsReading.WaitAsync(_wait, TestContext.Current.CancellationToken);

            // Countdowns fall due a second from now, around the shutdown: the due-work job has work when told to stop.
            foreach (var id in countdowns)
            {
                (await owner.PostAsync($"/sessions/{id}/actions/start", null, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            }

            var clients = Enumerable.Range(0, 4)
                .Select(c => burst.RunClientAsync(first, users[c % 2], tokens[users[c % 2]], c))
                .ToArray();
            await burst.WaitForAcknowledgedAsync(40, _wait);

            var outputAtSigterm = first.Output.Length;
            var stopping = Stopwatch.StartNew();
            await first.TerminateAsync();
            var closedWith = await plain.Closed.WaitAsync(_wait, TestContext.Current.CancellationToken);
            Assert.NotNull(closedWith);
            Assert.Contains("shutting down", closedWith.Message, StringComparison.OrdinalIgnoreCase);
            var reconnectingAfter = await reconnecting.Task.WaitAsync(_wait, TestContext.Current.CancellationToken);
            Assert.Contains("shutting down", reconnectingAfter?.Message ?? "", StringComparison.OrdinalIgnoreCase);

            // Kestrel has stopped accepting connections and is draining: only now does the held request go on.
            while (await first.IsListeningAsync())
            {
                Assert.True(stopping.Elapsed < _wait, "the service kept listening after SIGTERM");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            slowBody.Release();
            using var slowResponse = await slow.WaitAsync(_wait, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, slowResponse.StatusCode);
            slowId = (await slowResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken)).GetProperty("id").GetInt64();

            burst.Stop();
            await Task.WhenAll(clients).WaitAsync(_wait, TestContext.Current.CancellationToken);
            Assert.True(burst.Rejected.Count == 0, "a request was refused during shutdown: " + string.Join("; ", burst.Rejected));
            Assert.True(await first.WaitForExitAsync(_wait), "the service did not exit after SIGTERM:\n" + first.Output);
            exitedAfter = stopping.Elapsed;
            Assert.True(first.ExitCode == 0, $"exit code {first.ExitCode}:\n{first.Output}");

            // Nothing failed while stopping: no host or hosted-service error, no due-work job error, nothing critical.
            // (EF Core logs the burst's handled concurrency conflicts at Error; those are not about stopping.)
            var afterSigterm = first.Output[outputAtSigterm..];
            foreach (var failure in new[] { "fail: Microsoft.Extensions.Hosting", "fail: Microsoft.AspNetCore.Hosting", "fail: FocusSync", "crit:" })
            {
                Assert.False(afterSigterm.Contains(failure, StringComparison.Ordinal), $"the service logged '{failure}' while stopping:\n{afterSigterm}");
            }

            Assert.Contains("Closing 2 hub connections", first.Output, StringComparison.Ordinal);
        }

        await using var second = await ServiceHost.StartAsync(settings);
        using var client = second.ClientFor(tokens[users[0]]);
        var (sessions, _) = await CrashTests.ListAsync(client);

        // The request that was in flight at SIGTERM committed once; its retry finds it.
        var slowSession = Assert.Single(sessions.Values, s => s.GetProperty("title").GetString() == slowKey);
        Assert.Equal(slowId, slowSession.GetProperty("id").GetInt64());
        using (var retry = new HttpRequestMessage(HttpMethod.Post, "/sessions") { Content = new StringContent(SlowJson(slowKey), Encoding.UTF8, "application/json") })
        {
            retry.Headers.Add("Idempotency-Key", slowKey);
            using var replayed = await client.SendAsync(retry, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
            Assert.Equal(slowId, (await replayed.Content.ReadFromJsonAsync<JsonElement>(cancellationToken: TestContext.Current.CancellationToken)).GetProperty("id").GetInt64());
        }

        // Each countdown completed exactly once, with exactly its one second credited, before the stop or at the restart.
        foreach (var id in countdowns)
        {
            var countdown = sessions[id];
            Assert.True(countdown.GetProperty("isCompleted").GetBoolean(), $"countdown {id}: {countdown}");
            Assert.Equal("PAUSED", countdown.GetProperty("state").GetString());
            Assert.Equal(1000, CrashTests.Ms(countdown.GetProperty("focusSeconds")));
        }

        var inconsistent = 0;
        foreach (var user in users)
        {
            using var userClient = second.ClientFor(tokens[user]);
            var (now, _) = await CrashTests.ListAsync(userClient);
            foreach (var (id, acknowledged) in burst.LastAcknowledged(user))
            {
                if (!now.TryGetValue(id, out var session)
                    || session.GetProperty("version").GetInt32() < acknowledged.GetProperty("version").GetInt32())
                {
                    inconsistent++;
                }
            }

            foreach (var creation in burst.Creations(user).Where(c => c.Acknowledged))
            {
                inconsistent += now.Values.Count(s => s.GetProperty("title").GetString() == creation.Key) == 1 ? 0 : 1;
            }
        }

        output.WriteLine(
            $"{db}: SIGTERM during {burst.AcknowledgedWrites} acknowledged writes and one held request; hub clients closed " +
            $"with \"{HubShutdown.Reason}\"; exit code 0 after {exitedAfter.TotalMilliseconds:F0} ms; " +
            $"session {slowSession.GetProperty("id")} from the held request present once; {inconsistent} acknowledged writes lost.");
        Assert.Equal(0, inconsistent);
    }

    private static string SlowJson(string title) =>
        $$"""{"title":"{{title}}","initialDuration":600,"dailyGoalMinutes":10}""";

    /// <summary>A JSON body whose bytes are written only after <see cref="Release"/>.</summary>
    private sealed class GatedJsonContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly TaskCompletionSource _reading = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public GatedJsonContent(string json)
        {
            _body = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        /// <summary>Completes when the client starts sending the body, which with Expect: 100-continue is when the server asked for it.</summary>
        public Task ServerIsReading => _reading.Task;

        public void Release() => _released.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            _reading.TrySetResult();
            await _released.Task;
            await stream.WriteAsync(_body);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
