using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using FocusSync.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace FocusSync.Api.Analytics;

/// <summary>
/// The report's SQL, built once per provider (and, for the bucketed aggregate, per bucket count) and run through the
/// context's own command pipeline: its connection and transaction, command timeout, interceptors (SQLite's wait for
/// durable reads among them), logging and tracing. Only LINQ translation and the materialiser are left out: a
/// report is a few small queries, and those cost more than running them. Parameters take the model's type
/// mappings, so a date is bound as each provider stores it.
/// </summary>
internal sealed class ReportStatements
{
    public const string User = "user";
    public const string From = "from";
    public const string To = "to";
    public const string Group = "group";
    public const string Ids = "ids";
    public const string First = "first";
    public const string Last = "last";
    public const string Today = "today";

    private static readonly ConcurrentDictionary<Type, ReportStatements> ByProvider = new();

    private readonly ISqlGenerationHelper _sql;
    private readonly RelationalTypeMapping _text;
    private readonly RelationalTypeMapping _date;
    private readonly RelationalTypeMapping _id;
    private readonly RelationalTypeMapping _ids;
    private readonly string _inIds;
    private readonly ConcurrentDictionary<(int Buckets, bool InGroup), Statement> _aggregates = new();

    private ReportStatements(FocusSyncDb db)
    {
        _sql = db.GetService<ISqlGenerationHelper>();
        var types = db.GetService<IRelationalTypeMappingSource>();
        _text = types.FindMapping(typeof(string))!;
        _date = types.FindMapping(typeof(DateOnly))!;
        _id = types.FindMapping(typeof(long))!;

        // A list of ids is one parameter: a JSON array SQLite reads with json_each, a bigint[] on PostgreSQL.
        _ids = types.FindMapping(typeof(long[]))!;
        _inIds = db.Database.IsSqlite() ? $"IN (SELECT \"value\" FROM json_each({P(Ids)}))" : $"= ANY({P(Ids)})";
        Days = Build(DaysSql(inGroup: false), (User, _text), (From, _date), (To, _date));
        DaysInGroup = Build(DaysSql(inGroup: true), (User, _text), (From, _date), (To, _date), (Group, _id));
        Titles = Build(
            $"SELECT \"Id\", \"Title\", \"GroupId\", \"NoGoal\", \"DeletedAtMs\" FROM \"Sessions\" WHERE \"UserId\" = {P(User)} AND \"Id\" {_inIds}",
            (User, _text), (Ids, _ids));
        StreakDays = Build(
            "SELECT \"Date\", \"SessionId\", \"MsSpent\", \"GoalMinutes\" FROM \"TaskDailyTimes\" "
            + $"WHERE \"UserId\" = {P(User)} AND \"SessionId\" {_inIds} AND \"Date\" >= {P(First)} AND \"Date\" <= {P(Last)} "
            + $"AND \"GoalMinutes\" IS NOT NULL AND (\"Date\" = {P(Today)} OR \"MsSpent\" >= \"GoalMinutes\" * 60000)",
            (User, _text), (Ids, _ids), (First, _date), (Last, _date), (Today, _date));
    }

    /// <summary>The day rows of a range: date, session, ms, goal.</summary>
    public Statement Days { get; }

    /// <summary>The day rows of a range whose session is in a group.</summary>
    public Statement DaysInGroup { get; }

    /// <summary>Id, title, group, goalless, deleted-at of the user's sessions among a list of ids.</summary>
    public Statement Titles { get; }

    /// <summary>The day rows of listed sessions in a window with a goal met, or of today with a goal.</summary>
    public Statement StreakDays { get; }

    public static ReportStatements For(FocusSyncDb db) => ByProvider.GetOrAdd(db.GetType(), _ => new ReportStatements(db));

    public static string BucketStart(int index) => "s" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Totals per bucket and session: bucket index, session, ms, goal minutes (null when none), goal minutes of the
    /// days with time (null when none). A row's bucket is found by a balanced tree of comparisons with the buckets'
    /// first days (parameters <see cref="BucketStart"/>), so SQL compares a few dates per row instead of computing
    /// each row's month or week.
    /// </summary>
    public Statement Aggregate(int buckets, bool inGroup) => _aggregates.GetOrAdd((buckets, inGroup), key =>
    {
        string Search(int first, int count)
        {
            if (count == 1)
            {
                return first.ToString(CultureInfo.InvariantCulture);
            }

            var middle = first + (count / 2);
            return $"CASE WHEN t.\"Date\" < {P(BucketStart(middle))} THEN {Search(first, middle - first)} ELSE {Search(middle, first + count - middle)} END";
        }

        var sql = new StringBuilder()
            .Append("SELECT c.\"Bucket\", c.\"SessionId\", CAST(SUM(c.\"MsSpent\") AS bigint), SUM(c.\"GoalMinutes\"), ")
            .Append("SUM(CASE WHEN c.\"MsSpent\" > 0 THEN c.\"GoalMinutes\" END) FROM (")
            .Append("SELECT ").Append(Search(0, key.Buckets)).Append(" AS \"Bucket\", t.\"SessionId\", t.\"MsSpent\", t.\"GoalMinutes\" ")
            .Append(RangeSql(key.InGroup))
            .Append(") AS c GROUP BY c.\"Bucket\", c.\"SessionId\"")
            .ToString();
        var parameters = new List<(string, RelationalTypeMapping)> { (User, _text), (From, _date), (To, _date) };
        if (key.InGroup)
        {
            parameters.Add((Group, _id));
        }

        parameters.AddRange(Enumerable.Range(1, key.Buckets - 1).Select(i => (BucketStart(i), _date)));
        return Build(sql, [.. parameters]);
    });

    /// <summary>
    /// Runs a statement on the context's connection (opened by the caller) and in its transaction, if any. The
    /// command is built anew each time: an EF Core command reuses its reader, so one cannot serve two requests at once.
    /// </summary>
    public static Task<RelationalDataReader> ReadAsync(
        FocusSyncDb db, Statement statement, IReadOnlyDictionary<string, object?> values, CancellationToken cancellationToken)
    {
        var builder = db.GetService<IRelationalCommandBuilderFactory>().Create().Append(statement.Sql);
        foreach (var (invariant, name, type) in statement.Parameters)
        {
            builder.AddParameter(invariant, name, type, nullable: false);
        }

        return builder.Build().ExecuteReaderAsync(
            new RelationalCommandParameterObject(
                db.GetService<IRelationalConnection>(), values, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>(),
                CommandSource.FromSqlQuery),
            cancellationToken);
    }

    private string DaysSql(bool inGroup) => "SELECT t.\"Date\", t.\"SessionId\", t.\"MsSpent\", t.\"GoalMinutes\" " + RangeSql(inGroup);

    private string RangeSql(bool inGroup) =>
        $"FROM \"TaskDailyTimes\" AS t WHERE t.\"UserId\" = {P(User)} AND t.\"Date\" >= {P(From)} AND t.\"Date\" <= {P(To)}"
        + (inGroup
            ? $" AND EXISTS (SELECT 1 FROM \"Sessions\" AS s WHERE s.\"Id\" = t.\"SessionId\" AND s.\"UserId\" = {P(User)} AND s.\"GroupId\" = {P(Group)})"
            : "");

    private string P(string name) => _sql.GenerateParameterNamePlaceholder(name);

    private Statement Build(string sql, params (string Name, RelationalTypeMapping Type)[] parameters) =>
        new(sql, [.. parameters.Select(p => (p.Name, _sql.GenerateParameterName(p.Name), p.Type))]);
}

/// <summary>A statement's SQL and its parameters: the name its value is given under, the name the provider binds, the type mapping.</summary>
internal sealed record Statement(string Sql, (string Invariant, string Name, RelationalTypeMapping Type)[] Parameters);
