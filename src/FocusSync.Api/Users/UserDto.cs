using System.Security.Cryptography;
using System.Text;
using FocusSync.Api.Changes;
using FocusSync.Timekeeping;
using NodaTime.Text;

namespace FocusSync.Api.Users;

/// <summary>
/// The user and their settings. <c>SettingsETag</c> names the settings' values: a client sends it back as
/// <c>If-Match</c> on <c>PATCH /me</c>, so that a window showing settings that have changed since cannot overwrite them.
/// </summary>
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
    long ServerTimeMs,
    string SettingsETag)
{
    public static UserDto From(UserView view)
    {
        var (user, clock, settings) = (view.User, view.Clock, view.Clock.Settings);
        return new(
            user.Id, user.Name, user.Email, DateTimeOffset.FromUnixTimeMilliseconds(user.CreatedAtMs),
            settings.Zone.Id, settings.ResetTimeText, settings.WeekStartText, settings.SingleRunning,
            LocalDatePattern.Iso.Format(clock.Day), clock.DayEndMs, view.NowMs, SettingsTag(settings));
    }

    /// <summary>
    /// A strong ETag made of the settings' values rather than a counter: two windows that show the same settings may
    /// both change them, whatever happened in between, and no column or migration is needed to keep a version.
    /// </summary>
    public static string SettingsTag(UserSettings settings)
    {
        var text = $"{settings.Zone.Id}\n{settings.ResetTimeText}\n{settings.WeekStartText}\n{settings.SingleRunning}";
        return $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8))}\"";
    }
}
