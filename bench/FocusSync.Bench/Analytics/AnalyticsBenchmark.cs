using System.Diagnostics;
using System.Globalization;
using System.Text;
using FocusSync.Api.Analytics;
using FocusSync.Api.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace FocusSync.Bench.Analytics;

/// <summary>
/// GET /analytics's query path (AnalyticsQuery on a fresh FocusSyncDb, as one request uses it) against the
/// same SQL run directly through ADO.NET, on SQLite holding one user's year among a million other rows.
/// </summary>
public sealed class AnalyticsBenchmark : IBenchmark
{
    private const string UserId = "bench-user";
    private const int Sessions = 20;
    private static readonly LocalDate Today = new(2026, 6, 30);

    public string Name => "analytics";

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var days = context.Smoke ? 30 : 365;
        var otherRows = context.Smoke ? 2_000 : 1_000_000;
        var iterations = context.Smoke ? 5 : 400;
        var file = Path.Combine(Path.GetTempPath(), $"focussync-bench-analytics-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file}";
        try
        {
            var options = new DbContextOptionsBuilder<SqliteFocusSyncDb>().UseSqlite(connectionString).Options;
            var seeding = Stopwatch.StartNew();
            var sessionIds = await SeedAsync(options, connectionString, days, otherRows, cancellationToken);
            Console.WriteLine($"Seeded {Sessions * days:N0} rows of the user and {otherRows:N0} of others in {seeding.Elapsed.TotalSeconds:F1} s");

            var rows = new List<string>();
            var goalsMet = true;
            foreach (var period in new[] { ReportPeriod.Daily, ReportPeriod.Weekly, ReportPeriod.Monthly })
            {
                foreach (var (label, from) in new[] { ("default", (LocalDate?)null), ("full year", Today.PlusDays(1 - days)) })
                {
                    var range = ReportRange.Create(period, from, null, Today, IsoDayOfWeek.Monday);
                    var input = new AnalyticsInput(UserId, "UTC", Today, range, null, [new RunningSession(sessionIds[0], null, 30, 600_000)]);
                    var service = await MeasureAsync(iterations, async () =>
                    {
                        await using var db = new SqliteFocusSyncDb(options);
                        var report = await AnalyticsQuery.BuildAsync(db, input, cancellationToken);
                        return report.Buckets.Sum(b => b.Items.Count);
                    });
                    var raw = await MeasureAsync(iterations, () => RawSqlAsync(connectionString, input, cancellationToken));
                    var ratio = service.P95 / raw.P95;
                    var met = service.P95 < 5 && ratio <= 1.5;
                    goalsMet &= met;
                    rows.Add(string.Create(CultureInfo.InvariantCulture,
                        $"| {period.ToString().ToLowerInvariant()} | {label} ({range.Count} buckets, {service.Items} items) | {service.P50:F2} | {service.P95:F2} | {raw.P50:F2} | {raw.P95:F2} | {ratio:F2} | {(met ? "yes" : "no")} |"));
                }
            }

            var text = new StringBuilder();
            text.AppendLine("## Analytics query");
            text.AppendLine();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"SQLite file; one user with {Sessions} sessions × {days} days of TaskDailyTime among {otherRows:N0} rows of other users; one session running. "
                + $"Service = `AnalyticsQuery.BuildAsync` on a fresh `FocusSyncDb` (aggregate per bucket and session, titles, streak look-back), "
                + $"raw = the same three SQL statements through ADO.NET with a minimal result. {iterations} timed runs each after warm-up; milliseconds."));
            text.AppendLine();
            text.AppendLine("| period | range | service p50 | service p95 | raw SQL p50 | raw SQL p95 | p95 ratio | goal (p95 < 5 ms, ≤ 1.5× raw) |");
            text.AppendLine("|---|---|---|---|---|---|---|---|");
            rows.ForEach(r => text.AppendLine(r));
            text.AppendLine();
            text.AppendLine(goalsMet ? "All goals met." : "Some goals missed (see the table).");
            return text.ToString();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var path in new[] { file, file + "-wal", file + "-shm" })
            {
                File.Delete(path);
            }
        }
    }

    private static async Task<(double P50, double P95, int Items)> MeasureAsync(int iterations, Func<Task<int>> run)
    {
        var items = 0;
        for (var i = 0; i < Math.Max(3, iterations / 10); i++)
        {
            items = await run();
        }

        var times = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await run();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(times);
        return (times[(int)(iterations * 0.50)], times[Math.Min(iterations - 1, (int)Math.Ceiling(iterations * 0.95) - 1)], items);
    }

    /// <summary>The service's three statements written by hand: per-bucket totals, the titles, and the streak window.</summary>
    private static async Task<int> RawSqlAsync(string connectionString, AnalyticsInput input, CancellationToken cancellationToken)
    {
        var range = input.Range;
        var from = Date(range.From);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var cells = new Dictionary<(long Bucket, long SessionId), (long Ms, long? Goal)>();
        await using (var totals = connection.CreateCommand())
        {
            // Daily rows are unique per date and session, as in the service: no GROUP BY needed.
            totals.CommandText = range.Period == ReportPeriod.Daily
                ? "SELECT \"Date\", \"SessionId\", \"MsSpent\", \"GoalMinutes\" FROM \"TaskDailyTimes\" WHERE \"UserId\" = $user AND \"Date\" >= $from AND \"Date\" <= $to"
                : $"SELECT {Search(0, range.Count)} AS b, \"SessionId\", SUM(\"MsSpent\"), SUM(\"GoalMinutes\") FROM \"TaskDailyTimes\" "
                + "WHERE \"UserId\" = $user AND \"Date\" >= $from AND \"Date\" <= $to GROUP BY b, \"SessionId\"";
            totals.Parameters.AddWithValue("$user", input.UserId);
            totals.Parameters.AddWithValue("$from", from);
            totals.Parameters.AddWithValue("$to", Date(range.To));
            if (range.Period != ReportPeriod.Daily)
            {
                for (var i = 0; i < range.Count; i++)
                {
                    totals.Parameters.AddWithValue($"$s{i}", Date(range.Bucket(i).Start));
                }
            }

            await using var reader = await totals.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = range.Period == ReportPeriod.Daily
                    ? DateOnly.Parse(reader.GetString(0), CultureInfo.InvariantCulture).DayNumber - range.From.ToDateOnly().DayNumber
                    : reader.GetInt64(0);
                cells[(key, reader.GetInt64(1))] = (reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3));
            }
        }

        var ids = string.Join(',', cells.Keys.Select(k => k.SessionId).Distinct());
        var titles = new Dictionary<long, string>();
        await using (var sessions = connection.CreateCommand())
        {
            sessions.CommandText = $"SELECT \"Id\", \"Title\", \"GroupId\", \"NoGoal\" FROM \"Sessions\" WHERE \"UserId\" = $user AND \"Id\" IN ({ids})";
            sessions.Parameters.AddWithValue("$user", input.UserId);
            await using var reader = await sessions.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                titles[reader.GetInt64(0)] = reader.GetString(1);
            }
        }

        var met = new HashSet<(long, string)>();
        await using (var streaks = connection.CreateCommand())
        {
            streaks.CommandText =
                "SELECT \"SessionId\", \"Date\" FROM \"TaskDailyTimes\" WHERE \"UserId\" = $user AND \"SessionId\" IN (" + ids + ") "
                + "AND \"Date\" >= $first AND \"Date\" <= $today AND \"GoalMinutes\" IS NOT NULL AND (\"Date\" = $today OR \"MsSpent\" >= \"GoalMinutes\" * 60000)";
            streaks.Parameters.AddWithValue("$user", input.UserId);
            streaks.Parameters.AddWithValue("$first", Date(input.Today.PlusDays(-31)));
            streaks.Parameters.AddWithValue("$today", Date(input.Today));
            await using var reader = await streaks.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                met.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        return cells.Count + titles.Count + met.Count;
    }

    /// <summary>The service's bucket search: a balanced CASE over the buckets' first days.</summary>
    private static string Search(int first, int count)
    {
        if (count == 1)
        {
            return first.ToString(CultureInfo.InvariantCulture);
        }

        var middle = first + (count / 2);
        return string.Create(CultureInfo.InvariantCulture,
            $"CASE WHEN \"Date\" < $s{middle} THEN {Search(first, middle - first)} ELSE {Search(middle, first + count - middle)} END");
    }

    private static async Task<List<long>> SeedAsync(
        DbContextOptions<SqliteFocusSyncDb> options, string connectionString, int days, int otherRows, CancellationToken cancellationToken)
    {
        var random = new Random(42);
        const int otherUsers = 500;
        var sessionsPerOther = Math.Max(1, otherRows / otherUsers / 50);
        var users = new List<string> { UserId };
        users.AddRange(Enumerable.Range(0, otherUsers).Select(i => $"other-{i}"));
        var sessions = new List<(string UserId, long Id, int? Goal)>();
        await using (var db = new SqliteFocusSyncDb(options))
        {
            await db.Database.MigrateAsync(cancellationToken);
            db.Users.AddRange(users.Select(id => new User { Id = id, Day = Today.ToDateOnly() }));
            var rows = users.SelectMany(user => Enumerable.Range(0, user == UserId ? Sessions : sessionsPerOther).Select(i =>
            {
                var goalless = i % 5 == 4;
                return new Session
                {
                    UserId = user,
                    Title = $"Task {i}",
                    NoGoal = goalless,
                    InitialDurationSec = goalless ? null : 1500,
                    DailyGoalMinutes = goalless ? null : 30,
                    TimeLeftMs = goalless ? null : 1_500_000,
                };
            })).ToList();
            db.Sessions.AddRange(rows);
            await db.SaveChangesAsync(cancellationToken);
            sessions.AddRange(rows.Select(r => (r.UserId, r.Id, r.DailyGoalMinutes)));
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        const int batch = 200;
        var insert = connection.CreateCommand();
        await using (insert)
        {
            insert.Transaction = transaction;
            var values = new StringBuilder();
            for (var i = 0; i < batch; i++)
            {
                values.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}($u{i},$s{i},$d{i},$m{i},$g{i})");
                foreach (var name in new[] { "u", "s", "d", "m", "g" })
                {
                    insert.Parameters.Add(new SqliteParameter($"${name}{i}", null));
                }
            }

            insert.CommandText = "INSERT INTO \"TaskDailyTimes\" (\"UserId\",\"SessionId\",\"Date\",\"MsSpent\",\"GoalMinutes\") VALUES " + values;
            insert.Prepare();
            var pending = 0;
            async Task AddAsync(string user, long session, LocalDate date, long ms, int? goal)
            {
                insert.Parameters[(pending * 5) + 0].Value = user;
                insert.Parameters[(pending * 5) + 1].Value = session;
                insert.Parameters[(pending * 5) + 2].Value = Date(date);
                insert.Parameters[(pending * 5) + 3].Value = ms;
                insert.Parameters[(pending * 5) + 4].Value = (object?)goal ?? DBNull.Value;
                if (++pending == batch)
                {
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    pending = 0;
                }
            }

            var others = sessions.Where(s => s.UserId != UserId).ToList();
            var perSession = otherRows / others.Count;
            var extra = otherRows - (perSession * others.Count);
            for (var i = 0; i < others.Count; i++)
            {
                var count = perSession + (i < extra ? 1 : 0);
                for (var d = 0; d < count; d++)
                {
                    await AddAsync(others[i].UserId, others[i].Id, Today.PlusDays(-d), random.Next(0, 3_600_000), others[i].Goal);
                }
            }

            foreach (var (_, id, goal) in sessions.Where(s => s.UserId == UserId))
            {
                for (var d = 0; d < days; d++)
                {
                    // Goal sessions have a row every day (often met); goalless ones only on days with time.
                    var ms = random.Next(4) == 0 ? 0 : random.Next(0, 3_600_000);
                    if (goal is not null || ms > 0)
                    {
                        await AddAsync(UserId, id, Today.PlusDays(-d), ms, goal);
                    }
                }
            }

            if (pending > 0)
            {
                // The prepared batch is fixed-size: finish the remainder row by row.
                var rest = connection.CreateCommand();
                await using (rest)
                {
                    rest.Transaction = transaction;
                    rest.CommandText = "INSERT INTO \"TaskDailyTimes\" (\"UserId\",\"SessionId\",\"Date\",\"MsSpent\",\"GoalMinutes\") VALUES ($u,$s,$d,$m,$g)";
                    for (var i = 0; i < pending; i++)
                    {
                        rest.Parameters.Clear();
                        foreach (var (name, offset) in new[] { ("$u", 0), ("$s", 1), ("$d", 2), ("$m", 3), ("$g", 4) })
                        {
                            rest.Parameters.AddWithValue(name, insert.Parameters[(i * 5) + offset].Value);
                        }

                        await rest.ExecuteNonQueryAsync(cancellationToken);
                    }
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        await using (var analyze = connection.CreateCommand())
        {
            analyze.CommandText = "ANALYZE";
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        }

        return [.. sessions.Where(s => s.UserId == UserId).Select(s => s.Id)];
    }

    private static string Date(LocalDate date) => date.ToString("uuuu'-'MM'-'dd", CultureInfo.InvariantCulture);
}
