using FocusSync.Api.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace FocusSync.Api.Analytics;

/// <summary>A live session's run not yet credited: it belongs wholly to the current user-day.</summary>
public sealed record RunningSession(long SessionId, long? GroupId, int? DailyGoalMinutes, long RunningMs);

public sealed record AnalyticsInput(
    string UserId, string TimeZone, LocalDate Today, ReportRange Range, long? GroupId, IReadOnlyList<RunningSession> Running);

/// <summary>
/// Builds a report from TaskDailyTime aggregated in the database per bucket and session (over the
/// (UserId, Date, SessionId) index), plus the uncredited part of running sessions.
/// </summary>
public static class AnalyticsQuery
{
    private const long MsPerMinute = 60_000;
    private const int FirstStreakWindowDays = 32;

    public static async Task<AnalyticsReport> BuildAsync(FocusSyncDb db, AnalyticsInput input, CancellationToken cancellationToken)
    {
        // One open for the report's statements (EF Core would open and close the connection around each); each
        // statement still reads on its own, in the caller's transaction if it has one, as the LINQ queries did.
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await BuildOpenAsync(db, ReportStatements.For(db), input, cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<AnalyticsReport> BuildOpenAsync(
        FocusSyncDb db, ReportStatements queries, AnalyticsInput input, CancellationToken cancellationToken)
    {
        var range = input.Range;
        var totals = await AggregateAsync(db, queries, input, cancellationToken);
        var cells = totals.ToDictionary(t => (t.Bucket, t.SessionId), t => (t.Ms, t.GoalMinutes, t.GoalMinutesOnDaysWithTime));
        var running = input.Running.Where(r => input.GroupId is null || r.GroupId == input.GroupId).ToList();
        if (range.Contains(input.Today))
        {
            var today = range.BucketIndex(input.Today);
            foreach (var run in running)
            {
                var (ms, goal, _) = cells.GetValueOrDefault((today, run.SessionId));
                cells[(today, run.SessionId)] = (ms + run.RunningMs, goal ?? run.DailyGoalMinutes, goal ?? run.DailyGoalMinutes);
            }
        }

        var ids = cells.Keys.Select(k => k.SessionId).Distinct().ToArray();
        var sessions = new Dictionary<long, SessionRow>(ids.Length);
        var titleValues = new Dictionary<string, object?> { [ReportStatements.User] = input.UserId, [ReportStatements.Ids] = ids };
        await using (var titles = await ReportStatements.ReadAsync(db, queries.Titles, titleValues, cancellationToken))
        {
            var reader = titles.DbDataReader;
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                sessions[id] = new SessionRow(
                    id, reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetBoolean(3), !reader.IsDBNull(4));
            }
        }

        // A day with a goal and no time is a missed goal while the session lives; once it is deleted, such a day
        // says nothing the person can act on, so a deleted session counts only its days with time, goals included.
        var byBucket = cells
            .Select(c => sessions[c.Key.SessionId].Deleted
                ? (c.Key, Ms: c.Value.Ms, Goal: c.Value.Ms > 0 ? c.Value.GoalMinutesOnDaysWithTime : null)
                : (c.Key, Ms: c.Value.Ms, Goal: c.Value.GoalMinutes))
            .Where(c => c.Ms > 0 || c.Goal is not null)
            .ToLookup(c => c.Key.Bucket);
        var current = range.Contains(input.Today) ? range.BucketIndex(input.Today) : -1;
        var buckets = new List<BucketDto>(range.Count);
        var perSession = new SortedDictionary<long, long>();
        for (var index = 0; index < range.Count; index++)
        {
            var (start, end) = range.Bucket(index);
            var cellsInBucket = byBucket[index]
                .OrderBy(c => c.Key.SessionId)
                .ToList();
            var items = new List<BucketItemDto>(cellsInBucket.Count);
            foreach (var ((_, sessionId), ms, goal) in cellsInBucket)
            {
                var session = sessions[sessionId];
                perSession[sessionId] = perSession.GetValueOrDefault(sessionId) + ms;
                items.Add(new BucketItemDto(
                    sessionId, session.Title, session.GroupId, Seconds(ms), goal, goal is { } minutes ? ms >= minutes * MsPerMinute : null,
                    session.Deleted));
            }

            buckets.Add(new BucketDto(
                start.ToDateOnly(), end.ToDateOnly(), Seconds(cellsInBucket.Sum(c => c.Ms)), items, index == current));
        }

        var goalSessions = perSession.Keys.Where(id => !sessions[id].NoGoal).ToList();
        var streaks = await StreaksAsync(db, queries, input, goalSessions, cancellationToken);
        var summary = perSession
            .Select(p => new SessionSummaryDto(
                p.Key, sessions[p.Key].Title, sessions[p.Key].GroupId, Seconds(p.Value),
                streaks.TryGetValue(p.Key, out var streak) ? streak : null, sessions[p.Key].Deleted))
            .ToList();
        return new AnalyticsReport(
            range.Period.ToString().ToLowerInvariant(), range.From.ToDateOnly(), range.To.ToDateOnly(), input.TimeZone,
            buckets, new SummaryDto(Seconds(perSession.Values.Sum()), summary));
    }

    /// <summary>
    /// Sums per bucket and session in SQL, over the covering (UserId, Date, SessionId, MsSpent, GoalMinutes) index;
    /// daily rows are unique per date and session already, so they are read as they are.
    /// </summary>
    private static async Task<List<BucketTotal>> AggregateAsync(
        FocusSyncDb db, ReportStatements queries, AnalyticsInput input, CancellationToken cancellationToken)
    {
        var range = input.Range;
        var from = range.From.ToDateOnly();
        var values = new Dictionary<string, object?>
        {
            [ReportStatements.User] = input.UserId,
            [ReportStatements.From] = from,
            [ReportStatements.To] = range.To.ToDateOnly(),
        };
        if (input.GroupId is { } group)
        {
            values[ReportStatements.Group] = group;
        }

        var totals = new List<BucketTotal>();
        if (range.Period == ReportPeriod.Daily)
        {
            await using var days = await ReportStatements.ReadAsync(
                db, input.GroupId is null ? queries.Days : queries.DaysInGroup, values, cancellationToken);
            var reader = days.DbDataReader;
            while (await reader.ReadAsync(cancellationToken))
            {
                var ms = reader.GetInt64(2);
                int? goal = reader.IsDBNull(3) ? null : reader.GetInt32(3);
                totals.Add(new BucketTotal(reader.GetFieldValue<DateOnly>(0).DayNumber - from.DayNumber, reader.GetInt64(1), ms, goal, ms > 0 ? goal : null));
            }

            return totals;
        }

        for (var index = 1; index < range.Count; index++)
        {
            values[ReportStatements.BucketStart(index)] = range.Bucket(index).Start.ToDateOnly();
        }

        await using var sums = await ReportStatements.ReadAsync(db, queries.Aggregate(range.Count, input.GroupId is not null), values, cancellationToken);
        var sum = sums.DbDataReader;
        while (await sum.ReadAsync(cancellationToken))
        {
            totals.Add(new BucketTotal(
                sum.GetInt32(0), sum.GetInt64(1), sum.GetInt64(2), sum.IsDBNull(3) ? null : (int)sum.GetInt64(3), sum.IsDBNull(4) ? null : (int)sum.GetInt64(4)));
        }

        return totals;
    }

    /// <summary>
    /// Each goal session's run of consecutive goal-met user-days ending today (today counts once met; an
    /// unmet today does not break it yet). Reads a window of recent days, doubling it further back only
    /// for sessions whose run reaches the window's start, so a long streak costs a few more short queries.
    /// </summary>
    private static async Task<Dictionary<long, int>> StreaksAsync(
        FocusSyncDb db, ReportStatements queries, AnalyticsInput input, List<long> sessionIds, CancellationToken cancellationToken)
    {
        var streaks = sessionIds.ToDictionary(id => id, _ => 0);
        var runningMs = input.Running.ToDictionary(r => r.SessionId, r => r.RunningMs);
        var today = input.Today.ToDateOnly();
        var pending = sessionIds;
        var end = input.Today;
        var days = FirstStreakWindowDays;
        while (pending.Count > 0)
        {
            var start = end.PlusDays(1 - days);
            var (first, last) = (start.ToDateOnly(), end.ToDateOnly());
            var rows = new List<DayRow>();
            var values = new Dictionary<string, object?>
            {
                [ReportStatements.User] = input.UserId,
                [ReportStatements.Ids] = pending.ToArray(),
                [ReportStatements.First] = first,
                [ReportStatements.Last] = last,
                [ReportStatements.Today] = today,
            };
            await using (var window = await ReportStatements.ReadAsync(db, queries.StreakDays, values, cancellationToken))
            {
                var reader = window.DbDataReader;
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(new DayRow(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3)));
                }
            }

            var met = rows
                .Where(r => r.MsSpent + (r.Date == today ? runningMs.GetValueOrDefault(r.SessionId) : 0) >= r.GoalMinutes!.Value * MsPerMinute)
                .Select(r => (r.SessionId, r.Date))
                .ToHashSet();
            var reachedStart = new List<long>();
            foreach (var id in pending)
            {
                var day = end;
                if (day == input.Today)
                {
                    streaks[id] += met.Contains((id, today)) ? 1 : 0;
                    day = day.PlusDays(-1);
                }

                while (day >= start && met.Contains((id, day.ToDateOnly())))
                {
                    streaks[id]++;
                    day = day.PlusDays(-1);
                }

                if (day < start)
                {
                    reachedStart.Add(id);
                }
            }

            pending = reachedStart;
            end = start.PlusDays(-1);
            days *= 2;
        }

        return streaks;
    }

    private static double Seconds(long ms) => ms / 1000.0;

    private sealed record DayRow(DateOnly Date, long SessionId, long MsSpent, int? GoalMinutes);

    private sealed record SessionRow(long Id, string Title, long? GroupId, bool NoGoal, bool Deleted);

    /// <summary>A session's time and goal in a bucket; a deleted session's goal counts only its days with time.</summary>
    private sealed record BucketTotal(int Bucket, long SessionId, long Ms, int? GoalMinutes, int? GoalMinutesOnDaysWithTime);
}
