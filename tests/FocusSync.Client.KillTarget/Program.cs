using System.Globalization;

namespace FocusSync.Client.KillTarget;

/// <summary>
/// An app of the library as a process of its own, for the tests that kill one: it opens a live view on a queue file
/// (the default store, <see cref="JsonFileOperationStore"/>) and takes actions as fast as the view accepts them,
/// printing <c>accepted N</c> once the view has accepted the Nth, until it is killed. Odd actions create a stopwatch
/// <c>op-N</c>; even ones start or pause the session titled <c>existing</c>, which the store's last known state or the
/// server must show.
/// Usage: <c>FocusSync.Client.KillTarget SERVER STORE-FILE ACTIONS [--synced]</c>, with the ID token in
/// <c>FOCUSSYNC_TOKEN</c>; <c>--synced</c> waits until the view has the server's state first, so that the view sends
/// the actions while it is taking more.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length is not (3 or 4) || Environment.GetEnvironmentVariable("FOCUSSYNC_TOKEN") is not { } token)
        {
            await Console.Error.WriteLineAsync("usage: FocusSync.Client.KillTarget SERVER STORE-FILE ACTIONS [--synced], with FOCUSSYNC_TOKEN set");
            return 2;
        }

        var view = FocusSyncView.Create(new FocusSyncViewOptions
        {
            BaseAddress = new Uri(args[0]),
            TokenProvider = _ => ValueTask.FromResult(token),
            Store = new JsonFileOperationStore(args[1]),
            Backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200)),
        });
        await view.StartAsync();
        if (args is [.., "--synced"])
        {
            await view.WhenSyncedAsync();
        }

        var existing = view.Sessions.Single(s => s.Title == "existing").Id;
        var actions = int.Parse(args[2], CultureInfo.InvariantCulture);
        for (var n = 1; n <= actions; n++)
        {
            if (n % 2 == 1)
            {
                await view.CreateSessionAsync(NewSession.Stopwatch($"op-{n}"));
            }
            else if (view.Sessions.Single(s => s.Id == existing).IsRunning)
            {
                await view.PauseSessionAsync(existing);
            }
            else
            {
                await view.StartSessionAsync(existing);
            }

            Console.WriteLine($"accepted {n}");
        }

        Console.WriteLine("done");
        // Never disposed: the test ends this process with SIGKILL, wherever it is.
        await Task.Delay(Timeout.Infinite);
        return 0;
    }
}
