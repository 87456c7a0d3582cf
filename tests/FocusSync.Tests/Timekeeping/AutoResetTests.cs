using FocusSync.Timekeeping;
using static FocusSync.Tests.Timekeeping.TimerTestKit;

namespace FocusSync.Tests.Timekeeping;

/// <summary>User-day boundaries (SPEC section 2) and the auto-reset performed at each, with the clock moved by hand.</summary>
public sealed class AutoResetTests
{
    // ---- the normal midnight boundary ----

    [Fact]
    public void AtMidnightARunningSessionIsPausedCreditedToTheEndingDayAndReset()
    {
        var kit = new TimerTestKit("Europe/Berlin", At(0), true, Local("Europe/Berlin", 2026, 5, 4, 12));
        var s = kit.Countdown(Local("Europe/Berlin", 2026, 5, 4, 12), durationSec: 4 * 3600, goalMinutes: 120);
        kit.Start(s, Local("Europe/Berlin", 2026, 5, 4, 23));

        var outcome = kit.CatchUp(Local("Europe/Berlin", 2026, 5, 5, 1));

        Assert.Equal([(Date(2026, 5, 4), Hour)], kit.DaysWithTime(s));
        var change = Assert.Single(outcome.Changes);
        Assert.Equal((ChangeType.AutoReset, Local("Europe/Berlin", 2026, 5, 5, 0)), (change.Type, change.AtMs));
        Assert.False(s.IsRunning);
        Assert.False(s.IsCompleted);
        Assert.Equal(4 * Hour, s.TimeLeftAt(Local("Europe/Berlin", 2026, 5, 5, 1)));
        Assert.Equal(0, s.FocusMs);
        Assert.Equal(Date(2026, 5, 5), kit.User.Clock.Day);
        Assert.Equal(Local("Europe/Berlin", 2026, 5, 6, 0), kit.User.Clock.DayEndMs);
    }

    [Fact]
    public void AutoResetListsEveryLiveSessionAndRecordsEachGoalForTheNewDay()
    {
        var start = Utc(2026, 5, 4, 20);
        var kit = new TimerTestKit("UTC", At(0), false, start);
        var a = kit.Countdown(start, durationSec: 600, goalMinutes: 30);
        var b = kit.Goalless(start);
        var gone = kit.Countdown(start, goalMinutes: 15);
        kit.Delete(gone, start);
        kit.Start(a, start);
        kit.CatchUp(start + Hour);

        var outcome = kit.CatchUp(Utc(2026, 5, 5, 0));

        var change = Assert.Single(outcome.Changes);
        Assert.Equal(ChangeType.AutoReset, change.Type);
        Assert.Equal([a.Id, b.Id], change.Sessions.Select(x => x.Id).Order());
        Assert.Equal([new Credit(a.Id, Date(2026, 5, 5), 0, 30)], outcome.Credits);
        Assert.False(a.IsCompleted);
        Assert.Equal(600 * Second, a.TimeLeftAt(Utc(2026, 5, 5, 0)));
    }

    [Fact]
    public void AtTheBoundaryFocusStartsAgainFromZeroButTheEndedDayKeepsItsTime()
    {
        var start = Utc(2026, 5, 4, 20);
        var kit = new TimerTestKit("UTC", At(0), true, start);
        var s = kit.Goalless(start);
        kit.Start(s, start);
        kit.Pause(s, start + Hour);
        kit.Start(s, Utc(2026, 5, 5, 1));
        kit.Pause(s, Utc(2026, 5, 5, 1, 20));

        Assert.Equal(20 * Minute, s.FocusMs);
        Assert.Equal([(Date(2026, 5, 4), Hour), (Date(2026, 5, 5), 20 * Minute)], kit.DaysWithTime(s));
    }

    [Fact]
    public void ACountdownWhoseTargetIsTheBoundaryCompletesThereBeforeTheReset()
    {
        var start = Utc(2026, 5, 4, 23, 30);
        var kit = new TimerTestKit("UTC", At(0), true, start);
        var s = kit.Countdown(start, durationSec: 1800);
        kit.Start(s, start);

        var outcome = kit.CatchUp(Utc(2026, 5, 5, 2));

        Assert.Equal(
            [(ChangeType.Complete, Utc(2026, 5, 5)), (ChangeType.AutoReset, Utc(2026, 5, 5))],
            outcome.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal([(Date(2026, 5, 4), 30 * Minute)], kit.DaysWithTime(s));
        Assert.False(s.IsCompleted);
    }

    [Fact]
    public void ACountdownRunningAcrossTheBoundaryIsCutThereAndNeverCompletes()
    {
        var start = Utc(2026, 5, 4, 23, 45);
        var kit = new TimerTestKit("UTC", At(0), true, start);
        var s = kit.Countdown(start, durationSec: 1800);
        kit.Start(s, start);

        var outcome = kit.CatchUp(Utc(2026, 5, 5, 2));

        Assert.Equal([ChangeType.AutoReset], outcome.Changes.Select(c => c.Type));
        Assert.Equal([(Date(2026, 5, 4), 15 * Minute)], kit.DaysWithTime(s));
        Assert.Equal(1800 * Second, s.TimeLeftAt(Utc(2026, 5, 5, 2)));
    }

    // ---- daylight saving ----

    [Fact]
    public void AResetTimeSkippedBySpringForwardMeansTheFirstInstantAfterTheGap()
    {
        // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 means 03:00 EDT = 07:00Z.
        var kit = new TimerTestKit("America/New_York", At(2, 30), true, Utc(2026, 3, 7, 17));
        Assert.Equal(Date(2026, 3, 7), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 3, 8, 7), kit.User.Clock.DayEndMs);

        var s = kit.Goalless(Utc(2026, 3, 8, 6));
        kit.Start(s, Utc(2026, 3, 8, 6));
        var outcome = kit.CatchUp(Utc(2026, 3, 8, 8));

        Assert.Equal([(Date(2026, 3, 7), Hour)], kit.DaysWithTime(s));
        Assert.Equal([(ChangeType.AutoReset, Utc(2026, 3, 8, 7))], outcome.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal(Date(2026, 3, 8), kit.User.Clock.Day);
        // 03:00 EDT on the 8th to 02:30 EDT on the 9th: a 23.5-hour day.
        Assert.Equal(Utc(2026, 3, 9, 6, 30), kit.User.Clock.DayEndMs);
    }

    [Fact]
    public void AResetTimeRepeatedByFallBackMeansItsFirstOccurrenceAndTheDayLasts25Hours()
    {
        // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 first occurs at 05:30Z.
        var kit = new TimerTestKit("America/New_York", At(1, 30), true, Utc(2026, 10, 31, 16));
        Assert.Equal(Utc(2026, 11, 1, 5, 30), kit.User.Clock.DayEndMs);

        var s = kit.Goalless(Utc(2026, 10, 31, 16));
        kit.Start(s, Utc(2026, 11, 1, 5));
        var first = kit.CatchUp(Utc(2026, 11, 1, 6, 45));

        Assert.Equal([(ChangeType.AutoReset, Utc(2026, 11, 1, 5, 30))], first.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal(Date(2026, 11, 1), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 11, 2, 6, 30), kit.User.Clock.DayEndMs);
        Assert.Equal(25 * Hour, kit.User.Clock.DayEndMs - Utc(2026, 11, 1, 5, 30));

        // Running through the second 01:30 (06:30Z) and on to 01:00 EST the next day: still one user-day.
        kit.Start(s, Utc(2026, 11, 1, 6, 45));
        kit.Pause(s, Utc(2026, 11, 2, 6, 15));
        var second = kit.CatchUp(Utc(2026, 11, 2, 6, 30));

        Assert.Equal(
            [(Date(2026, 10, 31), 30 * Minute), (Date(2026, 11, 1), 23 * Hour + 30 * Minute)],
            kit.DaysWithTime(s));
        Assert.Equal([(ChangeType.AutoReset, Utc(2026, 11, 2, 6, 30))], second.Changes.Select(c => (c.Type, c.AtMs)));
    }

    [Fact]
    public void LordHowesHalfHourFallBackMakesA24AndAHalfHourDay()
    {
        // Lord Howe, 2026-04-05: 02:00 (+11) falls back to 01:30 (+10:30); 01:45 first occurs at 14:45Z on the 4th.
        var kit = new TimerTestKit("Australia/Lord_Howe", At(1, 45), true, Utc(2026, 4, 4, 1));
        Assert.Equal(Date(2026, 4, 4), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 4, 4, 14, 45), kit.User.Clock.DayEndMs);

        var s = kit.Goalless(Utc(2026, 4, 4, 14));
        kit.Start(s, Utc(2026, 4, 4, 14, 15));
        var restarted = kit.Start(s, Utc(2026, 4, 4, 14, 50));

        Assert.Equal([(ChangeType.AutoReset, Utc(2026, 4, 4, 14, 45)), (ChangeType.Start, Utc(2026, 4, 4, 14, 50))],
            restarted.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal(Date(2026, 4, 5), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 4, 5, 15, 15), kit.User.Clock.DayEndMs);

        // Its second 01:45 (15:15Z) is no boundary.
        kit.Pause(s, Utc(2026, 4, 4, 15, 30));
        Assert.Equal([(Date(2026, 4, 4), 30 * Minute), (Date(2026, 4, 5), 40 * Minute)], kit.DaysWithTime(s));
    }

    [Fact]
    public void LordHowesHalfHourSpringForwardMovesASkippedResetTimeToTheEndOfTheGap()
    {
        // Lord Howe, 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11); 02:15 means 02:30 (+11) = 15:30Z on the 3rd.
        var kit = new TimerTestKit("Australia/Lord_Howe", At(2, 15), true, Utc(2026, 10, 3, 1, 30));
        Assert.Equal(Date(2026, 10, 3), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 10, 3, 15, 30), kit.User.Clock.DayEndMs);

        var s = kit.Goalless(Utc(2026, 10, 3, 15));
        kit.Start(s, Utc(2026, 10, 3, 15));
        kit.CatchUp(Utc(2026, 10, 3, 16));

        Assert.Equal([(Date(2026, 10, 3), 30 * Minute)], kit.DaysWithTime(s));
        Assert.Equal(Date(2026, 10, 4), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 10, 4, 15, 15), kit.User.Clock.DayEndMs);
    }

    [Fact]
    public void KathmandusQuarterHourOffsetPlacesTheBoundary()
    {
        var kit = new TimerTestKit("Asia/Kathmandu", At(0), true, Utc(2026, 5, 4, 12));
        Assert.Equal(Utc(2026, 5, 4, 18, 15), kit.User.Clock.DayEndMs);
    }

    // ---- settings changed mid-day ----

    [Fact]
    public void MovingTheResetTimeLaterLengthensToday()
    {
        // Reset 06:00 UTC; at 02:00 on the 5th it is still user-day 4th; moving the reset to 08:00 ends it at 08:00.
        var kit = new TimerTestKit("UTC", At(6), true, Utc(2026, 5, 4, 12));
        var s = kit.Goalless(Utc(2026, 5, 4, 12));
        kit.Start(s, Utc(2026, 5, 5, 1));

        var changed = kit.Settings(Utc(2026, 5, 5, 2), resetTime: At(8));
        Assert.Equal([ChangeType.AutoResetTimeChange], changed.Changes.Select(c => c.Type));
        Assert.Equal(Utc(2026, 5, 5, 8), kit.User.Clock.DayEndMs);

        Assert.Empty(kit.CatchUp(Utc(2026, 5, 5, 7, 59)).Changes);
        Assert.True(s.IsRunning);
        var reset = kit.CatchUp(Utc(2026, 5, 5, 8));

        Assert.Equal([(ChangeType.AutoReset, Utc(2026, 5, 5, 8))], reset.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal([(Date(2026, 5, 4), 7 * Hour)], kit.DaysWithTime(s));
        Assert.Equal(Date(2026, 5, 5), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 5, 6, 8), kit.User.Clock.DayEndMs);
    }

    [Fact]
    public void MovingTheResetTimeToOneAlreadyPassedEndsTodayAtOnce()
    {
        var kit = new TimerTestKit("UTC", At(6), true, Utc(2026, 5, 4, 12));
        var s = kit.Goalless(Utc(2026, 5, 4, 12));
        kit.Start(s, Utc(2026, 5, 5, 1));

        var changed = kit.Settings(Utc(2026, 5, 5, 2), resetTime: At(1));

        Assert.Equal(
            [(ChangeType.AutoResetTimeChange, Utc(2026, 5, 5, 2)), (ChangeType.AutoReset, Utc(2026, 5, 5, 2))],
            changed.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal([(Date(2026, 5, 4), Hour)], kit.DaysWithTime(s));
        Assert.False(s.IsRunning);
        Assert.Equal(Date(2026, 5, 5), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 5, 6, 1), kit.User.Clock.DayEndMs);
    }

    [Fact]
    public void ChangingTheResetTimeNeverMovesTimeAlreadyCredited()
    {
        var kit = new TimerTestKit("UTC", At(0), true, Utc(2026, 5, 4, 8));
        var s = kit.Goalless(Utc(2026, 5, 4, 8));
        kit.Start(s, Utc(2026, 5, 4, 8));
        kit.Pause(s, Utc(2026, 5, 4, 10));

        kit.Settings(Utc(2026, 5, 4, 11), resetTime: At(9));
        kit.Settings(Utc(2026, 5, 4, 12), zone: "Pacific/Kiritimati");

        Assert.Equal([(Date(2026, 5, 4), 2 * Hour)], kit.DaysWithTime(s));
    }

    [Fact]
    public void MovingToAZoneWhoseNextResetIsLaterLengthensToday()
    {
        // London 00:00 → New York 00:00: user-day 4th now ends at 00:00 EDT on the 5th = 04:00Z.
        var kit = new TimerTestKit("Europe/London", At(0), true, Utc(2026, 5, 4, 11));
        var s = kit.Goalless(Utc(2026, 5, 4, 11));
        kit.Start(s, Utc(2026, 5, 4, 22));

        kit.Settings(Utc(2026, 5, 4, 22, 30), zone: "America/New_York");
        Assert.Equal(Utc(2026, 5, 5, 4), kit.User.Clock.DayEndMs);
        kit.CatchUp(Utc(2026, 5, 5, 5));

        Assert.Equal([(Date(2026, 5, 4), 6 * Hour)], kit.DaysWithTime(s));
        Assert.Equal(Date(2026, 5, 5), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 5, 6, 4), kit.User.Clock.DayEndMs);
    }

    [Fact]
    public void MovingToAZoneWhoseNextResetIsEarlierEndsTodayThere()
    {
        // London 00:00 → Kathmandu 00:00: user-day 4th ends at 00:00 +05:45 on the 5th = 18:15Z on the 4th.
        var kit = new TimerTestKit("Europe/London", At(0), true, Utc(2026, 5, 4, 11));
        var s = kit.Goalless(Utc(2026, 5, 4, 11));
        kit.Start(s, Utc(2026, 5, 4, 11));

        kit.Settings(Utc(2026, 5, 4, 12), zone: "Asia/Kathmandu");
        Assert.Equal(Utc(2026, 5, 4, 18, 15), kit.User.Clock.DayEndMs);
        kit.CatchUp(Utc(2026, 5, 4, 20));

        Assert.Equal([(Date(2026, 5, 4), 7 * Hour + 15 * Minute)], kit.DaysWithTime(s));
        Assert.Equal(Date(2026, 5, 5), kit.User.Clock.Day);
    }

    [Fact]
    public void MovingToAZoneWhereTheNextResetHasPassedEndsTodayAtOnce()
    {
        // London 00:00 → Kiritimati (+14) 00:00: the 5th began there at 10:00Z on the 4th, before the change at 12:00Z.
        var kit = new TimerTestKit("Europe/London", At(0), true, Utc(2026, 5, 4, 11));
        var s = kit.Goalless(Utc(2026, 5, 4, 11));
        kit.Start(s, Utc(2026, 5, 4, 11));

        var changed = kit.Settings(Utc(2026, 5, 4, 12), zone: "Pacific/Kiritimati");

        Assert.Equal(
            [(ChangeType.AutoResetTimeChange, Utc(2026, 5, 4, 12)), (ChangeType.AutoReset, Utc(2026, 5, 4, 12))],
            changed.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal([(Date(2026, 5, 4), Hour)], kit.DaysWithTime(s));
        Assert.Equal(Date(2026, 5, 5), kit.User.Clock.Day);
        // The next user-day is always D+1: the 5th ends at 00:00 +14 on the 6th = 10:00Z on the 5th.
        Assert.Equal(Utc(2026, 5, 5, 10), kit.User.Clock.DayEndMs);
    }

    [Fact]
    public void MovingAcrossTheDateLineCanLeaveTheNextUserDayEmpty()
    {
        // Niue (-11) 00:00 → Kiritimati (+14) 00:00 at 23:30 on the 4th in Niue (10:30Z on the 5th): the 5th and the
        // 6th have both begun in Kiritimati, so the 4th ends at once, the 5th (always D + 1) lasts no time, and the 6th runs.
        var kit = new TimerTestKit("Pacific/Niue", At(0), true, Utc(2026, 5, 5, 1));
        var s = kit.Goalless(Utc(2026, 5, 5, 1));
        kit.Start(s, Utc(2026, 5, 5, 10));

        var changed = kit.Settings(Utc(2026, 5, 5, 10, 30), zone: "Pacific/Kiritimati");

        Assert.Equal(
            [ChangeType.AutoResetTimeChange, ChangeType.AutoReset, ChangeType.AutoReset],
            changed.Changes.Select(c => c.Type));
        Assert.All(changed.Changes, c => Assert.Equal(Utc(2026, 5, 5, 10, 30), c.AtMs));
        Assert.Equal([(Date(2026, 5, 4), 30 * Minute)], kit.DaysWithTime(s));
        Assert.Equal(Date(2026, 5, 6), kit.User.Clock.Day);
        Assert.Equal(Utc(2026, 5, 6, 10), kit.User.Clock.DayEndMs);
    }

    // ---- catching up after downtime ----

    [Fact]
    public void CatchingUpAcrossOneMissedBoundaryCreditsOnlyUpToIt()
    {
        var start = Utc(2026, 5, 4, 23);
        var kit = new TimerTestKit("UTC", At(0), true, start);
        var s = kit.Countdown(start, durationSec: 4 * 3600, goalMinutes: 60);
        var other = kit.Goalless(start);
        kit.Start(s, start);

        var outcome = kit.Start(other, Utc(2026, 5, 5, 3));

        Assert.Equal([(Date(2026, 5, 4), Hour)], kit.DaysWithTime(s));
        Assert.Equal(
            [(ChangeType.AutoReset, Utc(2026, 5, 5)), (ChangeType.Start, Utc(2026, 5, 5, 3))],
            outcome.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal(0, s.FocusMs);
        Assert.False(s.IsRunning);
    }

    [Fact]
    public void CatchingUpAcrossThreeMissedBoundariesResetsAtEachAndCreditsNothingTwice()
    {
        var start = Utc(2026, 5, 4, 23);
        var kit = new TimerTestKit("UTC", At(0), false, start);
        var a = kit.Countdown(start, durationSec: 10 * 3600, goalMinutes: 60);
        var b = kit.Goalless(start);
        kit.Start(a, start);
        kit.Start(b, start + 30 * Minute);

        var outcome = kit.CatchUp(Utc(2026, 5, 7, 5));

        Assert.Equal(
            [Utc(2026, 5, 5), Utc(2026, 5, 6), Utc(2026, 5, 7)],
            outcome.Changes.Where(c => c.Type == ChangeType.AutoReset).Select(c => c.AtMs));
        Assert.Equal(3, outcome.Changes.Count);
        Assert.Equal([(Date(2026, 5, 4), Hour)], kit.DaysWithTime(a));
        Assert.Equal([(Date(2026, 5, 4), 30 * Minute)], kit.DaysWithTime(b));
        Assert.Equal(
            [Date(2026, 5, 5), Date(2026, 5, 6), Date(2026, 5, 7)],
            outcome.Credits.Where(c => c.SessionId == a.Id && c.Ms == 0).Select(c => c.Day));
        Assert.Equal(Date(2026, 5, 7), kit.User.Clock.Day);
        Assert.Equal((0, 0), (a.FocusMs, b.FocusMs));

        var again = kit.CatchUp(Utc(2026, 5, 7, 5));
        Assert.Empty(again.Changes);
        Assert.Empty(again.Credits);
    }

    [Fact]
    public void FocusStartsFromZeroAfterMissedBoundaries()
    {
        var start = Utc(2026, 5, 4, 23);
        var kit = new TimerTestKit("UTC", At(0), true, start);
        var s = kit.Countdown(start, durationSec: 10 * 3600);
        kit.Start(s, start);

        kit.Start(s, Utc(2026, 5, 7, 5));
        kit.Pause(s, Utc(2026, 5, 7, 5, 10));

        Assert.Equal(10 * Minute, s.FocusMs);
        Assert.Equal([(Date(2026, 5, 4), Hour), (Date(2026, 5, 7), 10 * Minute)], kit.DaysWithTime(s));
        Assert.Equal(10 * Hour - 10 * Minute, s.TimeLeftAt(Utc(2026, 5, 7, 6)));
    }

    [Fact]
    public void ACountdownThatCompletedBeforeAMissedBoundaryIsCompletedThenReset()
    {
        var start = Utc(2026, 5, 4, 22);
        var kit = new TimerTestKit("UTC", At(0), true, start);
        var s = kit.Countdown(start, durationSec: 1800);
        kit.Start(s, start);

        var outcome = kit.CatchUp(Utc(2026, 5, 6, 1));

        Assert.Equal(
            [(ChangeType.Complete, Utc(2026, 5, 4, 22, 30)), (ChangeType.AutoReset, Utc(2026, 5, 5)), (ChangeType.AutoReset, Utc(2026, 5, 6))],
            outcome.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal([(Date(2026, 5, 4), 30 * Minute)], kit.DaysWithTime(s));
        Assert.False(s.IsCompleted);
    }
}
