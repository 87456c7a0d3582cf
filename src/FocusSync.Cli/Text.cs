using System.Globalization;
using System.Text;

namespace FocusSync.Cli;

/// <summary>One session as the tables show it.</summary>
internal sealed record Row(long Id, string Title, string State, double? TimeLeft, double FocusSeconds, int? GoalMinutes, string? Group, bool Queued);

/// <summary>Tables, durations and CSV, the same in every command.</summary>
internal static class Text
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.Prepend(headers).ToList();
        var widths = headers.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    public static string Sessions(IEnumerable<Row> rows) => Table(
        ["ID", "TITLE", "STATE", "LEFT", "TODAY", "GOAL", "GROUP"],
        rows.Select(r => (IReadOnlyList<string>)
        [
            r.Id.ToString(Invariant),
            r.Title,
            r.State + (r.Queued ? " (queued)" : ""),
            r.TimeLeft is { } left ? Clock(Math.Ceiling(Math.Max(0, left))) : "-",
            Clock(Math.Floor(r.FocusSeconds)),
            r.GoalMinutes is { } goal ? $"{goal}m" : "-",
            r.Group ?? "",
        ]));

    /// <summary>Seconds as m:ss, or h:mm:ss from an hour up.</summary>
    public static string Clock(double seconds)
    {
        var time = TimeSpan.FromSeconds(seconds);
        return time.TotalHours >= 1
            ? $"{(int)time.TotalHours}:{time.Minutes:00}:{time.Seconds:00}"
            : $"{time.Minutes}:{time.Seconds:00}";
    }

    /// <summary>A countdown's length: <c>25:00</c> (m:ss), <c>1:30:00</c> (h:mm:ss) or a number of minutes (<c>25</c>).</summary>
    public static int ParseDuration(string text, string field)
    {
        var parts = text.Trim().Split(':');
        int? seconds = parts switch
        {
            [var m] when int.TryParse(m, NumberStyles.None, Invariant, out var minutes) => minutes * 60,
            [var m, var s] when int.TryParse(m, NumberStyles.None, Invariant, out var minutes)
                && int.TryParse(s, NumberStyles.None, Invariant, out var secs) && secs < 60 => (minutes * 60) + secs,
            [var h, var m, var s] when int.TryParse(h, NumberStyles.None, Invariant, out var hours)
                && int.TryParse(m, NumberStyles.None, Invariant, out var minutes) && minutes < 60
                && int.TryParse(s, NumberStyles.None, Invariant, out var secs) && secs < 60 => (hours * 3600) + (minutes * 60) + secs,
            _ => null,
        };
        return seconds is >= 1 and <= 86400
            ? seconds.Value
            : throw new CliException(ExitCodes.Refused, $"{field}: '{text}' is not a duration of 0:01 to 24:00:00 (write 25:00, 1:30:00, or minutes: 25).");
    }

    public static int ParseMinutes(string text, string field, int max) =>
        int.TryParse(text, NumberStyles.None, Invariant, out var minutes) && minutes >= 1 && minutes <= max
            ? minutes
            : throw new CliException(ExitCodes.Refused, $"{field}: '{text}' is not a whole number of minutes from 1 to {max}.");

    /// <summary>How long: <c>3s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>, or seconds alone.</summary>
    public static TimeSpan ParseSpan(string text, string field)
    {
        var trimmed = text.Trim();
        var (number, unit) = trimmed.EndsWith("ms", StringComparison.Ordinal) ? (trimmed[..^2], 0.001)
            : trimmed.EndsWith('s') ? (trimmed[..^1], 1.0)
            : trimmed.EndsWith('m') ? (trimmed[..^1], 60.0)
            : trimmed.EndsWith('h') ? (trimmed[..^1], 3600.0)
            : (trimmed, 1.0);
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, Invariant, out var value) && value > 0
            ? TimeSpan.FromSeconds(value * unit)
            : throw new CliException(ExitCodes.Refused, $"{field}: '{text}' is not a length of time (write 3s, 500ms, 2m or 1h).");
    }

    public static DateOnly ParseDate(string text, string field) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", Invariant, DateTimeStyles.None, out var date)
            ? date
            : throw new CliException(ExitCodes.Refused, $"{field}: '{text}' is not a date written as yyyy-MM-dd.");

    public static string Csv(IEnumerable<IReadOnlyList<string>> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.Append(string.Join(",", row.Select(Quote))).Append("\r\n");
        }

        return text.ToString();
    }

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
