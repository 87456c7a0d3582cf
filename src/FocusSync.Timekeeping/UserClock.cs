using NodaTime;
using NodaTime.TimeZones;

namespace FocusSync.Timekeeping;

/// <summary>A user's settings and the user-day currently running (SPEC section 2).</summary>
public sealed class UserClock
{
    private static readonly ZoneLocalMappingResolver ResetResolver = Resolvers.CreateMappingResolver(
        Resolvers.ReturnEarlier, Resolvers.ReturnStartOfIntervalAfter);

    public required UserSettings Settings { get; set; }

    /// <summary>The label of the current user-day.</summary>
    public LocalDate Day { get; set; }

    /// <summary>
    /// Epoch ms at which the current user-day began for this user: the boundary performed last, or the user's first
    /// request. No timed command applies before it.
    /// </summary>
    public long DayStartMs { get; set; }

    /// <summary>Epoch ms at which the current user-day ends.</summary>
    public long DayEndMs { get; set; }

    /// <summary>When the settings last changed (0: never); no timed command applies before it.</summary>
    public long SettingsChangedAtMs { get; set; }

    /// <summary>A clock whose first user-day is the one running at <paramref name="nowMs"/>.</summary>
    public static UserClock Create(UserSettings settings, long nowMs)
    {
        var clock = new UserClock { Settings = settings, DayStartMs = nowMs };
        var today = Instant.FromUnixTimeMilliseconds(nowMs).InZone(settings.Zone).Date;
        clock.Day = nowMs < clock.ResetMs(today) ? today.PlusDays(-1) : today;
        clock.DayEndMs = clock.ResetMs(clock.Day.PlusDays(1));
        return clock;
    }

    /// <summary>
    /// The instant of the reset time on a date: a time skipped by a DST gap means the first
    /// instant after the gap, a time that occurs twice means its first occurrence.
    /// </summary>
    public long ResetMs(LocalDate date) =>
        Settings.Zone.ResolveLocal(date.At(Settings.ResetTime), ResetResolver).ToInstant().ToUnixTimeMilliseconds();

    /// <summary>Moves to the next user-day at its boundary.</summary>
    internal void AdvanceDay()
    {
        var boundary = DayEndMs;
        DayStartMs = boundary;
        Day = Day.PlusDays(1);
        // A time-zone jump can put the next reset before this boundary; that day is then empty.
        DayEndMs = Math.Max(boundary, ResetMs(Day.PlusDays(1)));
    }

    /// <summary>
    /// Applies new settings. Credited time stays; when the zone or the reset time changes, today ends at the later
    /// of now and the next reset.
    /// </summary>
    internal void ChangeSettings(UserSettings settings, long nowMs)
    {
        var dayChanged = !Equals(settings.Zone, Settings.Zone) || settings.ResetTime != Settings.ResetTime;
        Settings = settings;
        SettingsChangedAtMs = Math.Max(SettingsChangedAtMs, nowMs);
        if (dayChanged)
        {
            DayEndMs = Math.Max(nowMs, ResetMs(Day.PlusDays(1)));
        }
    }
}
