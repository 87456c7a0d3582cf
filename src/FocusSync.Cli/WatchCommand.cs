using FocusSync.Client;

namespace FocusSync.Cli;

/// <summary>
/// <c>focussync watch</c>: a live table of the sessions from the library's view, which follows every change from any
/// device and keeps the server's clock, so the countdowns tick here between events. Redraws in place on a terminal;
/// writes each frame that differs from the last when the output is a file or a pipe.
/// </summary>
internal static class WatchCommand
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(250);

    public static async Task<int> RunAsync(CliContext context, TimeSpan timeout, TimeSpan? duration, CancellationToken cancellationToken)
    {
        using var account = Account.Open(context, timeout);
        // A refused token fails here rather than as a view retrying for ever; an unreachable server is watched until it returns.
        await account.ReachAsync(cancellationToken);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var elapsed = new CancellationTokenSource(duration ?? Timeout.InfiniteTimeSpan, context.Time);
        using var stopAfter = elapsed.Token.Register(stop.Cancel);
        var refusals = new List<string>();
        var view = FocusSyncView.Create(account.ViewOptions());
        view.OperationRefused += (_, e) =>
        {
            lock (refusals)
            {
                refusals.Add($"refused: {e.Operation.Kind.ToString().ToLowerInvariant()} of {e.Operation.SessionId}: {e.Status} {e.Problem?.Detail}");
            }
        };
        var loading = view.StartAsync(stop.Token);
        string? last = null;
        try
        {
            using var timer = new PeriodicTimer(Frame, context.Time);
            do
            {
                if (loading.IsFaulted)
                {
                    break;
                }

                string[] recent;
                lock (refusals)
                {
                    recent = [.. refusals.TakeLast(3)];
                }

                var frame = Render(view, account.Profile.Server, loading.IsCompletedSuccessfully, recent);
                if (frame != last)
                {
                    await context.Out.WriteAsync(context.Ansi
                        ? (last is null ? "\e[2J" : "") + "\e[H" + frame.Replace("\n", "\e[K\n", StringComparison.Ordinal) + "\e[J"
                        : frame + "\n");
                    await context.Out.FlushAsync(CancellationToken.None);
                    last = frame;
                }
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl+C or the end of --for: a normal end of watching.
        }
        finally
        {
            await view.DisposeAsync();
        }

        try
        {
            await loading;
        }
        catch (OperationCanceledException)
        {
            // Stopped before the first load: the table said it was still connecting.
        }
        catch (OperationStoreInUseException)
        {
            throw new CliException(ExitCodes.Busy,
                $"another focussync process (a watch already running?) holds the offline queue {account.Store.Path}: one watch per account at a time.");
        }

        return ExitCodes.Ok;
    }

    private static string Render(FocusSyncView view, Uri server, bool loaded, IReadOnlyList<string> refusals)
    {
        var status = !loaded ? "connecting…"
            : view.ConnectionState == ConnectionState.Connected ? "live"
            : "reconnecting…";
        var header = $"focussync watch  {server}  {status}  {view.PendingOperations} changes waiting  (Ctrl+C to stop)\n";
        var groups = view.Groups;
        var rows = view.Sessions.Select(s => new Row(
            s.Id, s.Title, s.IsCompleted && !s.IsRunning ? "DONE" : s.State, s.TimeLeft, s.FocusSeconds, s.DailyGoalMinutes,
            groups.FirstOrDefault(g => g.Id == s.GroupId)?.Name, s.IsPending));
        return header + Text.Sessions(rows) + string.Concat(refusals.Select(r => r + "\n"));
    }
}
