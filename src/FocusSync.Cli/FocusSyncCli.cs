using System.CommandLine;
using FocusSync.Client;

namespace FocusSync.Cli;

/// <summary>The <c>focussync</c> command line: its commands, options and exit codes (<see cref="ExitCodes"/>).</summary>
public static class FocusSyncCli
{
    /// <summary>
    /// Runs one command line. <paramref name="cancellationToken"/> stops it as Ctrl+C does; <paramref name="handleCtrlC"/>
    /// makes Ctrl+C cancel it (the tool does, a test running it in-process does not).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, bool handleCtrlC = false, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await context.Error.WriteLineAsync(error.Message);
            }

            await context.Error.WriteLineAsync("Run focussync --help for the commands and their options.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(
            new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                ProcessTerminationTimeout = handleCtrlC ? TimeSpan.FromSeconds(2) : null,
            },
            cancellationToken);
    }

    private static RootCommand Build(CliContext context)
    {
        var timeout = new Option<string>("--timeout")
        {
            Description = "How long to wait for the server before working offline (3s, 500ms, 1m).",
            DefaultValueFactory = _ => "10s",
            Recursive = true,
        };
        var root = new RootCommand(
            "focussync: your FocusSync sessions from the terminal. Works offline: changes wait in a queue and are sent when the server answers.")
        {
            Options = { timeout },
        };

        var server = new Option<string>("--server") { Description = "The service's address, e.g. https://focus.example.com", Required = true };
        var token = new Option<string?>("--token") { Description = "A Firebase ID token (it cannot be refreshed: sign in again when it expires)." };
        var dev = new Option<string?>("--dev") { Description = "Sign in by name on a server in development sign-in mode." };
        var login = new Command("login", "Sign in and keep the server and token in the per-user config file (mode 600).") { server, token, dev };
        Handle(login, context, (r, ct) => LoginCommand.RunAsync(context, r.GetValue(server)!, r.GetValue(token), r.GetValue(dev), Timeout(r), ct));

        var list = new Command("list", "List the sessions: state, time left, time today, goal and group.");
        Handle(list, context, (r, ct) => Sessions(r).ListAsync(ct));

        var title = new Argument<string>("title") { Description = "The new session's title." };
        var duration = new Option<string?>("--duration") { Description = "One countdown: 25:00, 1:30:00, or minutes (default 25:00)." };
        var goal = new Option<string?>("--goal") { Description = "Daily goal in minutes (default 60)." };
        var noGoal = new Option<bool>("--no-goal") { Description = "A goalless stopwatch instead of a countdown." };
        var group = new Option<string?>("--group") { Description = "A group, by id or name." };
        var add = new Command("add", "Add a session.") { title, duration, goal, noGoal, group };
        Handle(add, context, (r, ct) => Sessions(r).AddAsync(r.GetValue(title)!, r.GetValue(duration), r.GetValue(goal), r.GetValue(noGoal), r.GetValue(group), ct));

        root.Subcommands.Add(login);
        root.Subcommands.Add(list);
        root.Subcommands.Add(add);
        root.Subcommands.Add(OnSession(context, "start", "Start a session.", Sessions, (c, s, ct) => c.StartAsync(s, ct)));
        root.Subcommands.Add(OnSession(context, "pause", "Pause a session.", Sessions, (c, s, ct) => c.PauseAsync(s, ct)));
        root.Subcommands.Add(OnSession(context, "reset", "Reset a session's countdown (the time spent stays recorded).", Sessions, (c, s, ct) => c.ResetAsync(s, ct)));

        var resetAll = new Command("reset-all", "Pause and reset every session.");
        Handle(resetAll, context, (r, ct) => Sessions(r).ResetAllAsync(ct));
        root.Subcommands.Add(resetAll);

        var session = SessionArgument();
        var newTitle = new Option<string?>("--title") { Description = "A new title." };
        var newDuration = new Option<string?>("--duration") { Description = "A new countdown length: 25:00, 1:30:00, or minutes." };
        var newGoal = new Option<string?>("--goal") { Description = "A new daily goal in minutes." };
        var newGroup = new Option<string?>("--group") { Description = "A group by id or name, or 'none' to take it out of its group." };
        var edit = new Command("edit", "Change a session's title, duration, goal or group.") { session, newTitle, newDuration, newGoal, newGroup };
        Handle(edit, context, (r, ct) => Sessions(r).EditAsync(
            r.GetValue(session)!, r.GetValue(newTitle), r.GetValue(newDuration), r.GetValue(newGoal), r.GetValue(newGroup), ct));
        root.Subcommands.Add(edit);
        root.Subcommands.Add(OnSession(context, "delete", "Delete a session.", Sessions, (c, s, ct) => c.DeleteAsync(s, ct)));

        var watchFor = new Option<string?>("--for") { Description = "Stop after this long (3s, 2m); otherwise on Ctrl+C." };
        var watch = new Command(
            "watch", "A live table of the sessions, following changes from every device. Holds the offline queue while it runs: one watch per account.")
        { watchFor };
        Handle(watch, context, (r, ct) => WatchCommand.RunAsync(
            context, Timeout(r), r.GetValue(watchFor) is { } span ? Text.ParseSpan(span, "--for") : null, ct));
        root.Subcommands.Add(watch);

        var period = new Option<string>("--period") { Description = "daily, weekly or monthly.", DefaultValueFactory = _ => "daily" };
        var from = new Option<string?>("--from") { Description = "First day, yyyy-MM-dd." };
        var to = new Option<string?>("--to") { Description = "Last day, yyyy-MM-dd." };
        var reportGroup = new Option<string?>("--group") { Description = "Only this group's sessions, by id or name." };
        var csv = new Option<bool>("--csv") { Description = "CSV instead of a table." };
        var report = new Command("report", "The time spent per session per day, week or month.") { period, from, to, reportGroup, csv };
        Handle(report, context, (r, ct) => ReportCommand.RunAsync(
            context, Timeout(r), r.GetValue(period)!, r.GetValue(from), r.GetValue(to), r.GetValue(reportGroup), r.GetValue(csv), ct));
        root.Subcommands.Add(report);

        var sync = new Command("sync", "Send the changes made offline now, and report any the server refused.");
        Handle(sync, context, (r, ct) => Sessions(r).SyncAsync(ct));
        root.Subcommands.Add(sync);

        return root;

        SessionCommands Sessions(ParseResult r) => new(context, Timeout(r));

        TimeSpan Timeout(ParseResult r) => Text.ParseSpan(r.GetValue(timeout)!, "--timeout");
    }

    private static Argument<string> SessionArgument() => new("session") { Description = "The session's id, or its exact title (any case)." };

    private static Command OnSession(
        CliContext context, string name, string description, Func<ParseResult, SessionCommands> commands,
        Func<SessionCommands, string, CancellationToken, Task<int>> act)
    {
        var session = SessionArgument();
        var command = new Command(name, description) { session };
        Handle(command, context, (r, ct) => act(commands(r), r.GetValue(session)!, ct));
        return command;
    }

    /// <summary>Turns every failure into its message and exit code, without a stack trace.</summary>
    private static void Handle(Command command, CliContext context, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken);
            }
            catch (CliException e)
            {
                await context.Error.WriteLineAsync(e.Message);
                return e.ExitCode;
            }
            catch (FocusSyncApiException e)
            {
                await context.Error.WriteLineAsync($"refused: {e.Message}");
                return ExitCodes.Refused;
            }
            catch (Exception e) when (Account.IsUnreachable(e, cancellationToken))
            {
                await context.Error.WriteLineAsync($"The server cannot be reached ({e.Message}).");
                return ExitCodes.Unreachable;
            }
        });
}
