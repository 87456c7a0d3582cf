using FocusSync.Api.Data;
using FocusSync.Api.Timekeeping;
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
    public static UserDto From(User user, UserClock clock, long nowMs) => new(
        user.Id, user.Name, user.Email, DateTimeOffset.FromUnixTimeMilliseconds(user.CreatedAtMs),
        clock.Zone.Id, user.ResetTime, user.WeekStart, clock.SingleRunning,
        LocalDatePattern.Iso.Format(clock.Day), clock.DayEndMs, nowMs);
}
