using NodaTime;
using NodaTime.Text;

namespace FocusSync.Timekeeping;

/// <summary>A user's settings (SPEC section 1): their day, the first day of their week, and whether one session runs at a time.</summary>
public sealed record UserSettings(DateTimeZone Zone, LocalTime ResetTime, IsoDayOfWeek WeekStart, bool SingleRunning)
{
    private static readonly LocalTimePattern ResetTimePattern = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    /// <summary>The settings of a user who has changed none.</summary>
    public static readonly UserSettings Default = new(DateTimeZone.Utc, LocalTime.Midnight, IsoDayOfWeek.Monday, SingleRunning: true);

    /// <summary>The reset time as SPEC section 1 writes it: "HH:mm".</summary>
    public string ResetTimeText => ResetTimePattern.Format(ResetTime);

    /// <summary>The week start as SPEC section 1 writes it: "monday" … "sunday".</summary>
    public string WeekStartText => WeekStart.ToString().ToLowerInvariant();

    public static LocalTime ParseResetTime(string text) => ResetTimePattern.Parse(text).Value;

    public static IsoDayOfWeek ParseWeekStart(string text) => Enum.Parse<IsoDayOfWeek>(text, ignoreCase: true);
}
