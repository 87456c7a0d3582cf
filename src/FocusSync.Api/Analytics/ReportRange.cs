using NodaTime;

namespace FocusSync.Api.Analytics;

public enum ReportPeriod
{
    Daily,
    Weekly,
    Monthly,
}

/// <summary>
/// The buckets of one report: whole days, weeks starting on the user's week start, or calendar months of
/// user-day dates, from the first bucket's start to the last bucket's end (both inclusive).
/// </summary>
public sealed record ReportRange
{
    public const int MaxBuckets = 400;

    private ReportRange(ReportPeriod period, LocalDate from, LocalDate to)
    {
        Period = period;
        From = from;
        To = to;
    }

    public ReportPeriod Period { get; }
    public LocalDate From { get; }
    public LocalDate To { get; }
    public int Count => BucketIndex(To) + 1;

    /// <summary>
    /// Widens the asked dates to whole buckets. A missing <c>to</c> means the bucket holding today; a missing
    /// <c>from</c> means the default number of buckets ending with <c>to</c>'s bucket.
    /// </summary>
    public static ReportRange Create(ReportPeriod period, LocalDate? from, LocalDate? to, LocalDate today, IsoDayOfWeek weekStart)
    {
        var last = BucketStart(period, to ?? today, weekStart);
        var first = from is { } start
            ? BucketStart(period, start, weekStart)
            : Shift(period, last, 1 - DefaultBuckets(period));
        return new ReportRange(period, first, Shift(period, last, 1).PlusDays(-1));
    }

    public static int DefaultBuckets(ReportPeriod period) => period switch
    {
        ReportPeriod.Daily => 7,
        ReportPeriod.Weekly => 8,
        _ => 12,
    };

    /// <summary>Index of the bucket holding <paramref name="date"/>; the database computes the same with <see cref="AnalyticsQuery"/>.</summary>
    public int BucketIndex(LocalDate date) => Period switch
    {
        ReportPeriod.Daily => NodaTime.Period.DaysBetween(From, date),
        ReportPeriod.Weekly => NodaTime.Period.DaysBetween(From, date) / 7,
        _ => ((date.Year - From.Year) * 12) + date.Month - From.Month,
    };

    public (LocalDate Start, LocalDate End) Bucket(int index)
    {
        var start = Shift(Period, From, index);
        return (start, Shift(Period, start, 1).PlusDays(-1));
    }

    public bool Contains(LocalDate date) => date >= From && date <= To;

    private static LocalDate BucketStart(ReportPeriod period, LocalDate date, IsoDayOfWeek weekStart) => period switch
    {
        ReportPeriod.Daily => date,
        ReportPeriod.Weekly => date.With(DateAdjusters.PreviousOrSame(weekStart)),
        _ => date.With(DateAdjusters.StartOfMonth),
    };

    private static LocalDate Shift(ReportPeriod period, LocalDate start, int buckets) => period switch
    {
        ReportPeriod.Daily => start.PlusDays(buckets),
        ReportPeriod.Weekly => start.PlusWeeks(buckets),
        _ => start.PlusMonths(buckets),
    };
}
