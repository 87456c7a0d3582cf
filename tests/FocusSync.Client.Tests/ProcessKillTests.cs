using System.Diagnostics;
using FocusSync.Tests.Auth;
using FocusSync.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FocusSync.Client.Tests;

/// <summary>
/// An app of the library (FocusSync.Client.KillTarget) killed with SIGKILL while it takes actions on its default
/// store, the JSON file: nothing it accepted is lost, and nothing is applied twice.
/// </summary>
public sealed class ProcessKillTests : IDisposable
{
    private const int Actions = 60;

    private readonly string _folder = Directory.CreateTempSubdirectory("focussync-kill-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Each database, with the server unreachable or reachable while the app acts, killed after so many accepted actions.</summary>
    public static TheoryData<Db, bool, int> Cases() => new()
    {
        { Db.Sqlite, false, 7 },
        { Db.Sqlite, true, 12 },
        { Db.Postgres, false, 7 },
        { Db.Postgres, true, 12 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AnAppKilledWhileActingLosesNoAcceptedActionAndItsNextViewAppliesEachExactlyOnce(Db db, bool reachable, int killAfter)
    {
        await using var database = await TestDatabase.CreateAsync(db);
        var clock = new FakeTimeProvider(AppOptions.DefaultNow);
        var options = new AppOptions { RealSockets = true, Clock = clock, Tokens = new TestTokens(clock) };
        var uid = FocusSyncApp.NewUserId();
        var path = Path.Combine(_folder, "operations.json");
        var app = FocusSyncApp.Start(database, options);
        try
        {
            long existing;
            using (var device = ClientKit.RestClient(app, uid))
            {
                existing = (await device.CreateSessionAsync(NewSession.Countdown("existing", TimeSpan.FromHours(1), 120), cancellationToken: Ct)).Id;
            }

            // The app ran once with the server: its store holds the last known state, which an offline start shows.
            await using (var once = await ClientKit.ViewAsync(app, uid, new JsonFileOperationStore(path)))
            {
                await once.UntilAsync(() => once.Sessions.Any(s => s.Id == existing), "the view shows the session");
            }

            var address = app.Address;
            if (!reachable)
            {
                await app.DisposeAsync();
            }

            var printed = await RunAndKillAsync(address, path, app.Tokens.Mint(uid), reachable, killAfter);
            var queued = await new JsonFileOperationStore(path).LoadAsync(Ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"Killed after {printed} accepted actions, with {queued.Count} queued.");
            if (!reachable)
            {
                app = FocusSyncApp.Start(database, options);
            }

            using var server = ClientKit.RestClient(app, uid);
            await using (var restarted = await ClientKit.ViewAsync(app, uid, new JsonFileOperationStore(path)))
            {
                await ClientKit.AssertEqualToServerAsync(server, restarted);
            }

            // The action after the last line printed may have been stored before the kill: then it was sent too.
            var applied = await AppliedAsync(server, existing);
            Assert.Contains(applied, new[] { Expected(printed), Expected(printed + 1) });
            Assert.Empty(await new JsonFileOperationStore(path).LoadAsync(Ct));
            Assert.True(reachable || queued.Count >= printed, $"{queued.Count} queued after {printed} accepted offline");

            // Sending again what the killed app had queued changes nothing: its idempotency keys were applied once.
            var seq = (await server.GetSessionsAsync(Ct)).Seq;
            foreach (var operation in queued)
            {
                var replay = await server.SyncAsync(
                    [new SyncOperation(operation.IdempotencyKey, operation.Kind, operation.SessionId, operation.Body, operation.At, operation.BaseVersion)], Ct);
                Assert.True(replay.Results.Single().Succeeded, $"replaying {operation.Kind}: {replay.Results.Single().Status}");
            }

            Assert.Equal(seq, (await server.GetSessionsAsync(Ct)).Seq);
            Assert.Equal(applied, await AppliedAsync(server, existing));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The server's state after the first <paramref name="count"/> actions of the app, each applied once.</summary>
    private static Applied Expected(int count)
    {
        var toggles = count / 2;
        return new Applied(
            string.Join(",", Enumerable.Range(1, count).Where(n => n % 2 == 1).Select(n => $"op-{n}")),
            1 + toggles,
            toggles % 2 == 1 ? "RUNNING" : "PAUSED");
    }

    private static async Task<Applied> AppliedAsync(FocusSyncClient server, long existing)
    {
        var sessions = (await server.GetSessionsAsync(Ct)).Sessions;
        var toggled = sessions.Single(s => s.Id == existing);
        return new Applied(
            string.Join(",", sessions.Where(s => s.Id != existing).OrderBy(s => s.Id).Select(s => s.Title)), toggled.Version, toggled.State);
    }

    /// <summary>Runs the app (acting once it has the server's state when <paramref name="synced"/>) until it has printed <paramref name="killAfter"/> lines, kills it, and returns how many actions it printed as accepted.</summary>
    private static async Task<int> RunAndKillAsync(Uri server, string store, string token, bool synced, int killAfter)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args = [Path.Combine(AppContext.BaseDirectory, "FocusSync.Client.KillTarget.dll"), server.ToString(), store, $"{Actions}"];
        foreach (var arg in synced ? [.. args, "--synced"] : args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["FOCUSSYNC_TOKEN"] = token;
        using var target = Process.Start(start)!;
        var errors = target.StandardError.ReadToEndAsync(Ct);
        var lines = new List<string>();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (lines.Count < killAfter && await target.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                lines.Add(line);
            }
        }
        finally
        {
            // SIGKILL: no handler, no finally block and no flush of the app runs.
            target.Kill(entireProcessTree: true);
            await target.WaitForExitAsync(Ct);
        }

        lines.AddRange((await target.StandardOutput.ReadToEndAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(lines.Count >= killAfter, $"The app printed {lines.Count} lines; its errors: {await errors}");
        var accepted = lines.Where(l => l.StartsWith("accepted ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(1, accepted.Count).Select(n => $"accepted {n}"), accepted);
        return accepted.Count;
    }

    private sealed record Applied(string Created, int ExistingVersion, string ExistingState);
}
