using System.Globalization;
using System.Text.Json.Nodes;
using FocusSync.Client;

namespace FocusSync.Cli;

/// <summary>
/// The commands that read or change sessions. Each reaches the server first and replays what was queued offline;
/// an action is sent as one <c>POST /sync</c> operation with an idempotency key, and when the server cannot be
/// reached (before or while sending) that same operation goes to the library's queue, so it applies exactly once.
/// </summary>
internal sealed class SessionCommands(CliContext context, TimeSpan timeout)
{
    private static readonly Dictionary<string, string> CliFields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["title"] = "--title",
        ["initialDuration"] = "--duration",
        ["dailyGoalMinutes"] = "--goal",
        ["groupId"] = "--group",
        ["noGoal"] = "--no-goal",
    };

    private TextWriter Out => context.Out;

    public Task<int> ListAsync(CancellationToken cancellationToken) => WithServerAsync(
        async (account, state) =>
        {
            Out.Write(Text.Sessions(state.Sessions.Sessions.Select(s => RowOf(s, state.Groups, state.Sessions.ServerTimeMs))));
            return await Task.FromResult(ExitCodes.Ok);
        },
        async account =>
        {
            var cache = account.LoadCache()
                ?? throw new CliException(ExitCodes.Unreachable, $"{account.Profile.Server} cannot be reached, and no sessions were seen from it yet.");
            var now = account.ServerNowMs(cache);
            var queued = await account.Store.LoadAsync(cancellationToken);
            Out.Write(Text.Sessions(OfflineRows(cache, queued, now)));
            await context.Error.WriteLineAsync(
                $"offline: {account.Profile.Server} cannot be reached; sessions as of {DateTimeOffset.FromUnixTimeMilliseconds(cache.ServerTimeMs):u}, "
                + $"without the {queued.Count} changes waiting.");
            return ExitCodes.Ok;
        },
        cancellationToken);

    public Task<int> AddAsync(string title, string? duration, string? goal, bool noGoal, string? group, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            throw new CliException(ExitCodes.Refused, "title: a session needs a title.");
        }

        if (noGoal && (duration is not null || goal is not null))
        {
            throw new CliException(ExitCodes.Refused, $"{(duration is not null ? "--duration" : "--goal")}: a --no-goal session has no duration or goal.");
        }

        var body = new JsonObject { ["title"] = title };
        if (noGoal)
        {
            body["noGoal"] = true;
        }
        else
        {
            body["initialDuration"] = Text.ParseDuration(duration ?? "25:00", "--duration");
            body["dailyGoalMinutes"] = Text.ParseMinutes(goal ?? "60", "--goal", 1440);
        }

        return ActAsync(OperationKind.Create, null, (groups, _) =>
        {
            if (group is not null)
            {
                body["groupId"] = GroupId(groups, group);
            }

            return body;
        }, cancellationToken);
    }

    public Task<int> StartAsync(string session, CancellationToken cancellationToken) => ActAsync(OperationKind.Start, session, null, cancellationToken);

    public Task<int> PauseAsync(string session, CancellationToken cancellationToken) => ActAsync(OperationKind.Pause, session, null, cancellationToken);

    public Task<int> ResetAsync(string session, CancellationToken cancellationToken) => ActAsync(OperationKind.Reset, session, null, cancellationToken);

    public Task<int> ResetAllAsync(CancellationToken cancellationToken) => ActAsync(OperationKind.ResetAll, null, null, cancellationToken);

    public Task<int> DeleteAsync(string session, CancellationToken cancellationToken) => ActAsync(OperationKind.Delete, session, null, cancellationToken);

    public Task<int> EditAsync(string session, string? title, string? duration, string? goal, string? group, CancellationToken cancellationToken)
    {
        if (title is null && duration is null && goal is null && group is null)
        {
            throw new CliException(ExitCodes.Usage, "edit: say what to change with --title, --duration, --goal or --group.");
        }

        if (title is not null && string.IsNullOrWhiteSpace(title))
        {
            throw new CliException(ExitCodes.Refused, "--title: a session needs a title.");
        }

        var body = new JsonObject();
        if (title is not null)
        {
            body["title"] = title;
        }

        if (duration is not null)
        {
            body["initialDuration"] = Text.ParseDuration(duration, "--duration");
        }

        if (goal is not null)
        {
            body["dailyGoalMinutes"] = Text.ParseMinutes(goal, "--goal", 1440);
        }

        return ActAsync(OperationKind.Edit, session, (groups, target) =>
        {
            if (target?.NoGoal == true && (duration is not null || goal is not null))
            {
                throw new CliException(ExitCodes.Refused, $"{(duration is not null ? "--duration" : "--goal")}: '{target.Title}' is goalless: it has no duration or goal.");
            }

            if (group is not null)
            {
                body["groupId"] = group.Equals("none", StringComparison.OrdinalIgnoreCase) ? null : GroupId(groups, group);
            }

            return body;
        }, cancellationToken);
    }

    /// <summary>Sends what was queued offline and says what the server did with it.</summary>
    public Task<int> SyncAsync(CancellationToken cancellationToken) => WithServerAsync(
        (_, state) => Task.FromResult(
            state.Replay.HeldElsewhere > 0 ? ExitCodes.Busy : state.Replay.Refusals.Count > 0 ? ExitCodes.Refused : ExitCodes.Ok),
        async account => throw new CliException(
            ExitCodes.Unreachable, $"{account.Profile.Server} cannot be reached: {await account.PendingAsync(cancellationToken)} changes waiting."),
        cancellationToken,
        reportNothingSent: true);

    /// <summary>Resolves a session by id, or by its exact title ignoring case; an ambiguous title names the ids to choose from.</summary>
    internal static (long Id, string Title) Resolve(IEnumerable<(long Id, string Title)> sessions, string key)
    {
        var all = sessions.ToList();
        if (long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) && all.Any(s => s.Id == id))
        {
            return all.First(s => s.Id == id);
        }

        var matches = all.Where(s => string.Equals(s.Title, key, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException(ExitCodes.Refused, $"session: no session has the id or title '{key}'."),
            _ => throw new CliException(ExitCodes.Refused,
                $"session: {matches.Count} sessions are titled '{key}' (ids {string.Join(", ", matches.Select(m => m.Id))}): name one by its id."),
        };
    }

    private static long GroupId(IReadOnlyList<Group> groups, string key)
    {
        if (long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && groups.Any(g => g.Id == id))
        {
            return id;
        }

        var matches = groups.Where(g => string.Equals(g.Name, key, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count == 1
            ? matches[0].Id
            : throw new CliException(ExitCodes.Refused, matches.Count == 0
                ? $"--group: no group has the id or name '{key}'."
                : $"--group: {matches.Count} groups are named '{key}' (ids {string.Join(", ", matches.Select(g => g.Id))}): name one by its id.");
    }

    /// <summary>The session at <paramref name="atMs"/>, from its numbers as of <paramref name="asOfMs"/> (the answer's serverTimeMs).</summary>
    private static Row RowOf(Session s, IReadOnlyList<Group> groups, long atMs, long? asOfMs = null, bool queued = false)
    {
        var left = s.TimeLeft;
        var focus = s.FocusSeconds;
        if (s.IsRunning && s.RunStartedAtMs is { } started)
        {
            left = s.TargetTimeMs is { } target ? Math.Max(0, (target - atMs) / 1000.0) : null;
            focus += Math.Max(0, atMs - Math.Max(started, asOfMs ?? atMs)) / 1000.0;
        }

        return new Row(s.Id, s.Title, StateOf(s.State, s.IsCompleted), left, focus, s.DailyGoalMinutes,
            groups.FirstOrDefault(g => g.Id == s.GroupId)?.Name, queued);
    }

    private static string StateOf(string state, bool completed) => completed && state != "RUNNING" ? "DONE" : state;

    /// <summary>The sessions as last seen, with the sessions created offline; the other queued changes are not projected.</summary>
    private static IEnumerable<Row> OfflineRows(SessionCache cache, IReadOnlyList<QueuedOperation> queued, long nowMs)
    {
        var deleted = queued.Where(o => o.Kind == OperationKind.Delete).Select(o => o.SessionId).ToHashSet();
        var touched = queued.Select(o => o.SessionId).ToHashSet();
        var known = cache.Sessions.Where(s => !deleted.Contains(s.Id)).Select(s => RowOf(s, cache.Groups, nowMs, cache.ServerTimeMs, touched.Contains(s.Id)));
        var created = queued
            .Where(o => o is { Kind: OperationKind.Create, LocalId: { } id } && !deleted.Contains(id))
            .Select(o => new Row(o.LocalId!.Value, (string?)o.Body?["title"] ?? "", "PAUSED", (int?)o.Body?["initialDuration"], 0,
                (int?)o.Body?["dailyGoalMinutes"], cache.Groups.FirstOrDefault(g => g.Id == (long?)o.Body?["groupId"])?.Name, true));
        return known.Concat(created);
    }

    private async Task<int> ActAsync(
        OperationKind kind, string? key, Func<IReadOnlyList<Group>, Session?, JsonObject>? body, CancellationToken cancellationToken)
    {
        return await WithServerAsync(OnlineAsync, OfflineAsync, cancellationToken);

        async Task<int> OnlineAsync(Account account, ServerState state)
        {
            Session? target = null;
            if (key is not null)
            {
                var (id, _) = Resolve(state.Sessions.Sessions.Select(s => (s.Id, s.Title)), key);
                target = state.Sessions.Sessions.First(s => s.Id == id);
            }

            var operation = new QueuedOperation(
                Guid.NewGuid().ToString("N"), kind, target?.Id, body?.Invoke(state.Groups, target), 0, null);
            SyncResponse response;
            try
            {
                response = await account.Client.SyncAsync(
                    [new SyncOperation(operation.IdempotencyKey, kind, operation.SessionId, operation.Body)], cancellationToken);
            }
            catch (Exception e) when (Account.IsUnreachable(e, cancellationToken))
            {
                // It may have reached the server: the same key makes the replay change nothing then.
                var waiting = await account.QueueAsync(kind, operation.SessionId, operation.Body, target?.Version, cancellationToken);
                await Out.WriteLineAsync($"queued (offline): {waiting} changes waiting");
                return ExitCodes.Ok;
            }

            var result = response.Results[0];
            if (!result.Succeeded)
            {
                await context.Error.WriteLineAsync(Refusal(kind, target?.Id, target?.Title, result.Status, result.Problem));
                if (result.Problem?.Session is { } current)
                {
                    Out.Write(Text.Sessions([RowOf(current, state.Groups, response.ServerTimeMs)]));
                }

                return ExitCodes.Refused;
            }

            if (kind == OperationKind.Delete)
            {
                await Out.WriteLineAsync($"deleted {target!.Id} '{target.Title}'");
            }
            else
            {
                var sessions = result.Sessions ?? (result.Session is { } one ? [one] : []);
                Out.Write(Text.Sessions(sessions.Select(s => RowOf(s, state.Groups, response.ServerTimeMs))));
            }

            account.SaveCache(await account.Client.GetSessionsAsync(cancellationToken), state.Groups);
            return ExitCodes.Ok;
        }

        async Task<int> OfflineAsync(Account account)
        {
            var cache = account.LoadCache();
            var queued = await account.Store.LoadAsync(cancellationToken);
            Session? target = null;
            long? id = null;
            if (key is not null)
            {
                var known = cache is null ? [] : OfflineRows(cache, queued, account.ServerNowMs(cache)).Select(r => (r.Id, r.Title)).ToList();
                if (known.Count == 0 && !long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                {
                    throw new CliException(ExitCodes.Unreachable,
                        $"{account.Profile.Server} cannot be reached and no sessions were seen from it yet: nothing was queued (name the session by its id to queue it).");
                }

                id = long.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && known.All(k => k.Id != number)
                    ? number
                    : Resolve(known, key).Id;
                target = cache?.Sessions.FirstOrDefault(s => s.Id == id);
            }

            var waiting = await account.QueueAsync(kind, id, body?.Invoke(cache?.Groups ?? [], target), target?.Version, cancellationToken);
            await Out.WriteLineAsync($"queued (offline): {waiting} changes waiting");
            return ExitCodes.Ok;
        }
    }

    /// <summary>
    /// Runs <paramref name="online"/> when the server answers, after replaying the offline queue and reporting what it
    /// refused; <paramref name="offline"/> when it cannot be reached.
    /// </summary>
    private async Task<int> WithServerAsync(
        Func<Account, ServerState, Task<int>> online, Func<Account, Task<int>> offline, CancellationToken cancellationToken, bool reportNothingSent = false)
    {
        using var account = Account.Open(context, timeout);
        if (!await account.ReachAsync(cancellationToken) || await account.ReplayAsync(cancellationToken) is not { } replay)
        {
            return await offline(account);
        }

        SessionList sessions;
        IReadOnlyList<Group> groups;
        try
        {
            sessions = await account.Client.GetSessionsAsync(cancellationToken);
            groups = await account.Client.GetGroupsAsync(cancellationToken);
        }
        catch (Exception e) when (Account.IsUnreachable(e, cancellationToken))
        {
            return await offline(account);
        }

        account.SaveCache(sessions, groups);
        await ReportAsync(account, replay, sessions, groups, reportNothingSent);
        return await online(account, new ServerState(sessions, groups, replay));
    }

    private async Task ReportAsync(Account account, Replay replay, SessionList sessions, IReadOnlyList<Group> groups, bool reportNothingSent)
    {
        if (replay.HeldElsewhere > 0)
        {
            // The other process (a watch) sends them: sending them here too would report each refusal twice.
            await context.Error.WriteLineAsync(
                $"not synced here: {replay.HeldElsewhere} queued changes wait in {account.Store.Path}, which another focussync process "
                + "(a running watch?) holds and sends.");
        }
        else if (replay.Sent > 0 || reportNothingSent)
        {
            await Out.WriteLineAsync($"synced: {replay.Sent - replay.Refusals.Count} of {replay.Sent} queued changes applied");
        }

        foreach (var refusal in replay.Refusals)
        {
            var current = refusal.Current ?? sessions.Sessions.FirstOrDefault(s => s.Id == refusal.Operation.SessionId);
            await context.Error.WriteLineAsync(Refusal(
                refusal.Operation.Kind, refusal.Operation.SessionId, current?.Title, refusal.Status, refusal.Problem));
            if (current is not null)
            {
                await context.Error.WriteAsync(Text.Sessions([RowOf(current, groups, sessions.ServerTimeMs)]));
            }
        }
    }

    private static string Refusal(OperationKind kind, long? id, string? title, int status, Problem? problem)
    {
        var what = kind switch
        {
            OperationKind.ResetAll => "reset-all",
            OperationKind.Create => "add",
            _ => kind.ToString().ToLowerInvariant(),
        } + (id is { } sessionId ? $" of {sessionId}" + (title is null ? "" : $" '{title}'") : "");
        var fields = problem?.Errors is { Count: > 0 } errors
            ? " " + string.Join("; ", errors.Select(e => $"{CliFields.GetValueOrDefault(e.Key, e.Key)}: {string.Join(" ", e.Value)}"))
            : "";
        var reason = status switch
        {
            412 => "the session changed on another device since it was last seen; it is now:",
            424 => "an earlier queued change of this session was refused.",
            _ => $"{status} {problem?.Title}: {problem?.Detail}".TrimEnd(' ', ':'),
        };
        return $"refused: {what}: {reason}{fields}";
    }

    private sealed record ServerState(SessionList Sessions, IReadOnlyList<Group> Groups, Replay Replay);
}
