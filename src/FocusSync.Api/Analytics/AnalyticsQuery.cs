using System.Collections.Concurrent;
using System.Linq.Expressions;
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

    // A compiled query keeps the plan of the first database it ran on, so each provider has its own.
    private static readonly ConcurrentDictionary<Type, CompiledQueries> Compiled = new();

    public static async Task<AnalyticsReport> BuildAsync(FocusSyncDb db, AnalyticsInput input, CancellationToken cancellationToken)
    {
        var queries = Compiled.GetOrAdd(db.GetType(), _ => new CompiledQueries());
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
        var sessions = new Dictionary<long, SessionRow>();
        await foreach (var session in queries.Titles(db, input.UserId, ids).WithCancellation(cancellationToken))
        {
            sessions[session.Id] = session;
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
        FocusSyncDb db, CompiledQueries queries, AnalyticsInput input, CancellationToken cancellationToken)
    {
        var range = input.Range;
        var from = range.From.ToDateOnly();
        var to = range.To.ToDateOnly();
        if (range.Period == ReportPeriod.Daily)
        {
            var days = input.GroupId is { } group ? queries.DaysInGroup(db, input.UserId, from, to, group) : queries.Days(db, input.UserId, from, to);
            var totals = new List<BucketTotal>();
            await foreach (var d in days.WithCancellation(cancellationToken))
            {
                totals.Add(new BucketTotal(d.Date.DayNumber - from.DayNumber, d.SessionId, d.MsSpent, d.GoalMinutes, d.MsSpent > 0 ? d.GoalMinutes : null));
            }

            return totals;
        }

        var rows = db.TaskDailyTimes.Where(t => t.UserId == input.UserId && t.Date >= from && t.Date <= to);
        if (input.GroupId is { } groupId)
        {
            rows = rows.Where(t => db.Sessions.Any(s => s.Id == t.SessionId && s.UserId == input.UserId && s.GroupId == groupId));
        }

        return await rows
            .Select(InBucket(range))
            .GroupBy(c => new { c.Bucket, c.SessionId })
            .Select(g => new BucketTotal(
                g.Key.Bucket, g.Key.SessionId, g.Sum(c => c.Ms),
                g.Max(c => c.GoalMinutes) == null ? null : g.Sum(c => c.GoalMinutes),
                g.Max(c => c.Ms > 0 ? c.GoalMinutes : null) == null ? null : g.Sum(c => c.Ms > 0 ? c.GoalMinutes : null)))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// A row with its bucket index, found by a balanced tree of comparisons with the buckets' first days (sent as
    /// parameters): SQL compares a few dates per row instead of computing each row's month or week.
    /// </summary>
    private static Expression<Func<TaskDailyTime, Cell>> InBucket(ReportRange range)
    {
        var starts = Enumerable.Range(0, range.Count).Select(i => range.Bucket(i).Start.ToDateOnly()).ToArray();
        var row = Expression.Parameter(typeof(TaskDailyTime), "t");
        var date = Expression.Property(row, nameof(TaskDailyTime.Date));
        var startsOf = Expression.Constant(starts);

        Expression Search(int first, int count)
        {
            if (count == 1)
            {
                return Expression.Constant(first);
            }

            var middle = first + (count / 2);
            return Expression.Condition(
                Expression.LessThan(date, Expression.ArrayIndex(startsOf, Expression.Constant(middle))),
                Search(first, middle - first),
                Search(middle, first + count - middle));
        }

        return Expression.Lambda<Func<TaskDailyTime, Cell>>(
            Expression.MemberInit(
                Expression.New(typeof(Cell)),
                Expression.Bind(typeof(Cell).GetProperty(nameof(Cell.Bucket))!, Search(0, range.Count)),
                Expression.Bind(typeof(Cell).GetProperty(nameof(Cell.SessionId))!, Expression.Property(row, nameof(TaskDailyTime.SessionId))),
                Expression.Bind(typeof(Cell).GetProperty(nameof(Cell.Ms))!, Expression.Property(row, nameof(TaskDailyTime.MsSpent))),
                Expression.Bind(typeof(Cell).GetProperty(nameof(Cell.GoalMinutes))!, Expression.Property(row, nameof(TaskDailyTime.GoalMinutes)))),
            row);
    }

    /// <summary>
    /// Each goal session's run of consecutive goal-met user-days ending today (today counts once met; an
    /// unmet today does not break it yet). Reads a window of recent days, doubling it further back only
    /// for sessions whose run reaches the window's start, so a long streak costs a few more short queries.
    /// </summary>
    private static async Task<Dictionary<long, int>> StreaksAsync(
        FocusSyncDb db, CompiledQueries queries, AnalyticsInput input, List<long> sessionIds, CancellationToken cancellationToken)
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
            await foreach (var row in queries.StreakDays(db, input.UserId, [.. pending], first, last, today).WithCancellation(cancellationToken))
            {
                rows.Add(row);
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

    /// <summary>The report's queries whose shape does not depend on its range, compiled once per provider: a report is a few small queries, and translating each LINQ tree anew cost more than running it.</summary>
    private sealed class CompiledQueries
    {
        public Func<FocusSyncDb, string, DateOnly, DateOnly, IAsyncEnumerable<DayRow>> Days { get; } =
            EF.CompileAsyncQuery((FocusSyncDb db, string userId, DateOnly from, DateOnly to) => db.TaskDailyTimes.AsNoTracking()
                .Where(t => t.UserId == userId && t.Date >= from && t.Date <= to)
                .Select(t => new DayRow(t.Date, t.SessionId, t.MsSpent, t.GoalMinutes)));

        public Func<FocusSyncDb, string, DateOnly, DateOnly, long, IAsyncEnumerable<DayRow>> DaysInGroup { get; } =
            EF.CompileAsyncQuery((FocusSyncDb db, string userId, DateOnly from, DateOnly to, long groupId) => db.TaskDailyTimes.AsNoTracking()
                .Where(t => t.UserId == userId && t.Date >= from && t.Date <= to
                    && db.Sessions.Any(s => s.Id == t.SessionId && s.UserId == userId && s.GroupId == groupId))
                .Select(t => new DayRow(t.Date, t.SessionId, t.MsSpent, t.GoalMinutes)));

        public Func<FocusSyncDb, string, long[], IAsyncEnumerable<SessionRow>> Titles { get; } =
            EF.CompileAsyncQuery((FocusSyncDb db, string userId, long[] ids) => db.Sessions.AsNoTracking()
                .Where(s => s.UserId == userId && ids.Contains(s.Id))
                .Select(s => new SessionRow(s.Id, s.Title, s.GroupId, s.NoGoal, s.DeletedAtMs != null)));

        public Func<FocusSyncDb, string, long[], DateOnly, DateOnly, DateOnly, IAsyncEnumerable<DayRow>> StreakDays { get; } =
            EF.CompileAsyncQuery((FocusSyncDb db, string userId, long[] ids, DateOnly first, DateOnly last, DateOnly today) => db.TaskDailyTimes.AsNoTracking()
                .Where(t => t.UserId == userId && ids.Contains(t.SessionId) && t.Date >= first && t.Date <= last
                    && t.GoalMinutes != null && (t.Date == today || t.MsSpent >= t.GoalMinutes * MsPerMinute))
                .Select(t => new DayRow(t.Date, t.SessionId, t.MsSpent, t.GoalMinutes)));
    }

    private sealed record DayRow(DateOnly Date, long SessionId, long MsSpent, int? GoalMinutes);

    private sealed record SessionRow(long Id, string Title, long? GroupId, bool NoGoal, bool Deleted);

    /// <summary>A session's time and goal in a bucket; a deleted session's goal counts only its days with time.</summary>
    private sealed record BucketTotal(int Bucket, long SessionId, long Ms, int? GoalMinutes, int? GoalMinutesOnDaysWithTime);

    private sealed class Cell
    {
        public int Bucket { get; init; }
        public long SessionId { get; init; }
        public long Ms { get; init; }
        public int? GoalMinutes { get; init; }
    }
}
