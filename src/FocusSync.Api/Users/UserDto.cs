using FocusSync.Api.Changes;
using NodaTime.Text;

namespace FocusSync.Api.Users;

public sealed record UserDto(
    string Id,
    string? Name,
    string? Email,
    DateTimeOffset CreatedAt,
    string TimeZone,
    string ResetTime,
    string WeekStart,
    bool SingleRunning,
    string CurrentDay,
    long CurrentDayEndsAtMs,
    long ServerTimeMs)
{
    public static UserDto From(UserView view)
    {
        var (user, clock, settings) = (view.User, view.Clock, view.Clock.Settings);
        return new(
            user.Id, user.Name, user.Email, DateTimeOffset.FromUnixTimeMilliseconds(user.CreatedAtMs),
            settings.Zone.Id, settings.ResetTimeText, settings.WeekStartText, settings.SingleRunning,
            LocalDatePattern.Iso.Format(clock.Day), clock.DayEndMs, view.NowMs);
    }
}
