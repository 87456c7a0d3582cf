using System.Globalization;
using System.Text;
using FocusSync.Timekeeping;
using Microsoft.EntityFrameworkCore;

namespace FocusSync.Api.Data;

/// <summary>Stores credited time: the one statement that writes TaskDailyTimes.</summary>
public static class DailyTimeUpsert
{
    private const int RowsPerStatement = 1_000;

    /// <summary>
    /// Adds each credit to its session's row for its day, creating the row, and leaves the day's goal as the last
    /// credit has it. Runs inside the caller's transaction.
    /// </summary>
    public static async Task AddCreditsAsync(
        this FocusSyncDb db, string userId, IReadOnlyList<Credit> credits, CancellationToken cancellationToken)
    {
        var rows = credits
            .GroupBy(c => (c.SessionId, c.Day))
            .Select(g => (g.Key.SessionId, g.Key.Day, Ms: g.Sum(c => c.Ms), g.Last().GoalMinutes))
            .ToList();

        // A catch-up over many missed days writes a row per goal session per day: batches keep each
        // statement well inside SQLite's and PostgreSQL's limits on parameters.
        foreach (var batch in rows.Chunk(RowsPerStatement))
        {
            var sql = new StringBuilder(
                "INSERT INTO \"TaskDailyTimes\" (\"UserId\", \"SessionId\", \"Date\", \"MsSpent\", \"GoalMinutes\") VALUES ");
            var parameters = new List<object?>();
            foreach (var (sessionId, day, ms, goal) in batch)
            {
                var n = parameters.Count;
                sql.Append(CultureInfo.InvariantCulture, $"{(n == 0 ? "" : ", ")}({{{n}}}, {{{n + 1}}}, {{{n + 2}}}, {{{n + 3}}}, {{{n + 4}}})");
                parameters.AddRange([userId, sessionId, day.ToDateOnly(), ms, goal]);
            }

            sql.Append(" ON CONFLICT (\"SessionId\", \"Date\") DO UPDATE SET \"MsSpent\" = \"TaskDailyTimes\".\"MsSpent\" + excluded.\"MsSpent\", \"GoalMinutes\" = excluded.\"GoalMinutes\"");
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters!, cancellationToken);
        }
    }
}
