using NodaTime;
using NodaTime.TimeZones;

namespace FocusSync.Api.Timekeeping;

/// <summary>A user's day settings and the user-day currently running (SPEC section 2).</summary>
public sealed class UserClock
{
    private static readonly ZoneLocalMappingResolver ResetResolver = Resolvers.CreateMappingResolver(
        Resolvers.ReturnEarlier, Resolvers.ReturnStartOfIntervalAfter);

    public required DateTimeZone Zone { get; set; }
    public required LocalTime ResetTime { get; set; }
    public bool SingleRunning { get; set; } = true;

    /// <summary>The label of the current user-day.</summary>
    public LocalDate Day { get; set; }

    /// <summary>Epoch ms at which the current user-day ends.</summary>
    public long DayEndMs { get; set; }

    public static UserClock Create(DateTimeZone zone, LocalTime resetTime, bool singleRunning, long nowMs)
    {
        var clock = new UserClock { Zone = zone, ResetTime = resetTime, SingleRunning = singleRunning };
        var today = Instant.FromUnixTimeMilliseconds(nowMs).InZone(zone).Date;
        clock.Day = nowMs < clock.ResetMs(today) ? today.PlusDays(-1) : today;
        clock.DayEndMs = clock.ResetMs(clock.Day.PlusDays(1));
        return clock;
    }

    /// <summary>
    /// The instant of <see cref="ResetTime"/> on a date: a time skipped by a DST gap means the first
    /// instant after the gap, a time that occurs twice means its first occurrence.
    /// </summary>
    public long ResetMs(LocalDate date) =>
        Zone.ResolveLocal(date.At(ResetTime), ResetResolver).ToInstant().ToUnixTimeMilliseconds();

    /// <summary>Moves to the next user-day at its boundary.</summary>
    internal void AdvanceDay()
    {
        var boundary = DayEndMs;
        Day = Day.PlusDays(1);
        // A time-zone jump can put the next reset before this boundary; that day is then empty.
        DayEndMs = Math.Max(boundary, ResetMs(Day.PlusDays(1)));
    }

    /// <summary>Applies new settings: credited time stays, today ends at the later of now and the next reset.</summary>
    internal void ChangeSettings(DateTimeZone zone, LocalTime resetTime, long nowMs)
    {
        Zone = zone;
        ResetTime = resetTime;
        DayEndMs = Math.Max(nowMs, ResetMs(Day.PlusDays(1)));
    }
}
