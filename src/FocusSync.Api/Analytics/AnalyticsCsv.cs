using System.Globalization;
using System.Text;
using FocusSync.Api.Http;

namespace FocusSync.Api.Analytics;

/// <summary>RFC 4180 text: CRLF line ends, a header row, one row per bucket and session.</summary>
public static class AnalyticsCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static string Write(AnalyticsReport report)
    {
        var csv = new StringBuilder("bucketStart,bucketEnd,sessionId,title,groupId,seconds,goalMinutes,goalMet,deleted\r\n");
        foreach (var bucket in report.Buckets)
        {
            foreach (var item in bucket.Items)
            {
                csv.AppendJoin(',',
                    Date(bucket.Start), Date(bucket.End), Number(item.SessionId), Csv.Field(item.Title), Number(item.GroupId),
                    item.Seconds.ToString("R", CultureInfo.InvariantCulture), Number(item.GoalMinutes),
                    item.GoalMet switch { true => "true", false => "false", null => "" }, item.Deleted ? "true" : "false");
                csv.Append("\r\n");
            }
        }

        return csv.ToString();
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
