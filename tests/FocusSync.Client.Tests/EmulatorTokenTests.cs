using FocusSync.Tests.Infrastructure;

namespace FocusSync.Client.Tests;

/// <summary>The client signed in with ID tokens of a real Firebase Auth emulator, on a service that trusts it.</summary>
public sealed class EmulatorTokenTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [ClassData(typeof(Databases))]
    public async Task AViewSignedInWithAnEmulatorTokenSyncsItsChangesAndHearsAnotherDevicesOverTheHub(Db db)
    {
        var emulator = FirebaseEmulator.Require();
        await using var app = await FocusSyncApp.StartAsync(db, new AppOptions
        {
            RealSockets = true,
            SignIn = SignIn.AsConfigured,
            Settings = emulator.Settings,
            // The emulator's tokens carry the real time.
            RealClock = true,
            DueWork = false,
        });
        var user = await emulator.CreateUserAsync();
        var requests = new RecordingHandler();
        await using var view = await ClientKit.ConnectAsync(ClientKit.Options(app, _ => ValueTask.FromResult(user.IdToken), handler: requests));
        var otherToken = await emulator.SignInAsync(user.Email);
        using var otherDevice = new FocusSyncClient(app.Address, _ => ValueTask.FromResult(otherToken));
        Assert.Equal((user.Uid, user.Email), (view.User!.Id, view.User.Email));

        await view.CreateSessionAsync(NewSession.Countdown("Mine", TimeSpan.FromMinutes(25), 30), Ct);
        await view.SyncedAsync();
        var loaded = requests.Requests.Count;
        var heard = new List<ChangeEvent>();
        view.Changed += (_, e) =>
        {
            if (e.Event is { } change)
            {
                lock (heard)
                {
                    heard.Add(change);
                }
            }
        };
        var theirs = await otherDevice.CreateSessionAsync(NewSession.Stopwatch("Theirs"), cancellationToken: Ct);

        await view.UntilAsync(() => view.Sessions.Any(s => s.Id == theirs.Id), "the view hears the other device's session");
        await ClientKit.AssertEqualToServerAsync(otherDevice, view);
        Assert.Equal(["Mine", "Theirs"], view.Sessions.Select(s => s.Title));
        lock (heard)
        {
            Assert.Contains(heard, e => e.Type == "addSession" && e.Session?.Id == theirs.Id);
        }

        Assert.DoesNotContain(requests.Requests.Skip(loaded), r => r is "GET /changes" or "GET /sessions");
    }
}
