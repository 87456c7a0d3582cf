using System.Globalization;
using FocusSync.Client;

namespace FocusSync.Cli;

/// <summary><c>focussync report</c>: the time spent per session per day, week or month, as a table or as CSV.</summary>
internal static class ReportCommand
{
    public static async Task<int> RunAsync(
        CliContext context, TimeSpan timeout, string period, string? from, string? to, string? group, bool csv, CancellationToken cancellationToken)
    {
        var kind = period.ToLowerInvariant() switch
        {
            "daily" => AnalyticsPeriod.Daily,
            "weekly" => AnalyticsPeriod.Weekly,
            "monthly" => AnalyticsPeriod.Monthly,
            _ => throw new CliException(ExitCodes.Refused, $"--period: '{period}' is not daily, weekly or monthly."),
        };
        var first = from is null ? (DateOnly?)null : Text.ParseDate(from, "--from");
        var last = to is null ? (DateOnly?)null : Text.ParseDate(to, "--to");
        using var account = Account.Open(context, timeout);
        if (!await account.ReachAsync(cancellationToken))
        {
            throw new CliException(ExitCodes.Unreachable, $"{account.Profile.Server} cannot be reached: a report needs the server.");
        }

        long? groupId = null;
        if (group is not null)
        {
            var groups = await account.Client.GetGroupsAsync(cancellationToken);
            groupId = groups.FirstOrDefault(g => g.Id.ToString(CultureInfo.InvariantCulture) == group)?.Id
                ?? groups.SingleOrDefault(g => string.Equals(g.Name, group, StringComparison.OrdinalIgnoreCase))?.Id
                ?? throw new CliException(ExitCodes.Refused, $"--group: no group has the id or name '{group}'.");
        }

        AnalyticsReport report;
        try
        {
            report = await account.Client.GetAnalyticsAsync(kind, first, last, groupId, cancellationToken);
        }
        catch (FocusSyncValidationException e)
        {
            var fields = e.Errors.Select(f => $"--{(f.Key == "groupId" ? "group" : f.Key)}: {string.Join(" ", f.Value)}");
            throw new CliException(ExitCodes.Refused, string.Join("\n", fields.DefaultIfEmpty(e.Message)));
        }

        await context.Out.WriteAsync(csv ? Csv(report) : Table(report));
        return ExitCodes.Ok;
    }

    private static string Csv(AnalyticsReport report) => Text.Csv(
        report.Buckets
            .SelectMany(b => b.Items.Select(i => (IReadOnlyList<string>)
            [
                Day(b.Start), Day(b.End), i.SessionId.ToString(CultureInfo.InvariantCulture), i.Title,
                i.Seconds.ToString("0.###", CultureInfo.InvariantCulture),
                i.GoalMinutes?.ToString(CultureInfo.InvariantCulture) ?? "",
                i.GoalMet is { } met ? (met ? "true" : "false") : "",
            ]))
            .Prepend(["start", "end", "sessionId", "title", "seconds", "goalMinutes", "goalMet"]));

    private static string Table(AnalyticsReport report)
    {
        var title = $"{report.Period} report, {Day(report.From)} to {Day(report.To)} ({report.TimeZone})\n";
        var buckets = Text.Table(
            ["PERIOD", "SESSION", "TIME", "GOAL", "MET"],
            report.Buckets.SelectMany(b => b.Items.Select(i => (IReadOnlyList<string>)
            [
                b.Start == b.End ? Day(b.Start) : $"{Day(b.Start)}..{Day(b.End)}",
                i.Title,
                Text.Clock(Math.Floor(i.Seconds)),
                i.GoalMinutes is { } goal ? $"{goal}m" : "-",
                i.GoalMet switch { true => "yes", false => "no", null => "-" },
            ])));
        var totals = Text.Table(
            ["SESSION", "TOTAL", "STREAK"],
            report.Summary.Sessions
                .Select(s => (IReadOnlyList<string>)
                [
                    s.Title, Text.Clock(Math.Floor(s.Seconds)),
                    s.CurrentStreakDays is { } days ? $"{days}d" : "-",
                ])
                .Append(["all", Text.Clock(Math.Floor(report.Summary.TotalSeconds)), ""]));
        return title + buckets + "\n" + totals;
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
