using FocusSync.Timekeeping;
using NodaTime;
using static FocusSync.Tests.Timekeeping.TimerTestKit;

namespace FocusSync.Tests.Timekeeping;

/// <summary>
/// Timed actions (SPEC section 7): a command applies when the person acted, never before the latest committed change
/// it does not commute with, never after now; catch-up runs to that instant before it and to now after it.
/// </summary>
public sealed class TimedActionRuleTests
{
    private static readonly long T0 = Utc(2026, 5, 4, 10);
    private static readonly long Midnight = Utc(2026, 5, 5);
    private static readonly LocalDate Today = Date(2026, 5, 4);
    private static readonly LocalDate Tomorrow = Date(2026, 5, 5);

    private static TimerTestKit Kit(bool singleRunning = true) => new("UTC", At(0), singleRunning, T0);

    [Fact]
    public void AnActionAppliesWhenThePersonActedNeverAfterNowAndWithoutAnInstantNow()
    {
        Assert.Equal(T0 + 5, TimerRules.AppliedAtMs(T0 + 10, T0 + 5, T0));
        Assert.Equal(T0 + 10, TimerRules.AppliedAtMs(T0 + 10, T0 + 99, T0));
        Assert.Equal(T0 + 10, TimerRules.AppliedAtMs(T0 + 10, null, T0));
        Assert.Equal(T0 + 7, TimerRules.AppliedAtMs(T0 + 10, T0 + 5, T0 + 7));
    }

    [Fact]
    public void APauseDeliveredLateCreditsTheRunUpToWhenThePersonPaused()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 3600);
        kit.Start(s, T0);

        var applied = kit.PauseAt(s, T0 + 50 * Minute, T0 + 20 * Minute);

        Assert.Equal(T0 + 20 * Minute, applied);
        Assert.Equal(20 * Minute, kit.Credited(s, Today));
        Assert.Equal(40 * Minute, s.TimeLeftAt(T0 + 50 * Minute));
    }

    [Fact]
    public void APauseDeliveredAfterTheTargetFindsTheCountdownCompletedAtItsTarget()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);

        var applied = kit.PauseAt(s, T0 + 30 * Minute, T0 + 25 * Minute);

        Assert.Equal(T0 + 25 * Minute, applied);
        Assert.Equal(10 * Minute, kit.Credited(s, Today));
        Assert.True(s.IsCompleted);
        Assert.Equal([(ChangeType.Complete, T0 + 10 * Minute)], kit.Last.Changes.Select(c => (c.Type, c.AtMs)));
    }

    [Fact]
    public void AStartDeliveredLateIsCreditedFromWhenThePersonStartedAndCompletesAtItsOwnTarget()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);

        var applied = kit.StartAt(s, T0 + 30 * Minute, T0 + 5 * Minute);

        Assert.Equal(T0 + 5 * Minute, applied);
        Assert.Equal(
            [(ChangeType.Start, T0 + 5 * Minute), (ChangeType.Complete, T0 + 15 * Minute)],
            kit.Last.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Equal(10 * Minute, kit.Credited(s, Today));
    }

    [Fact]
    public void AnActionAtAnInstantBeforeTheSessionsLastChangeAppliesAtThatChange()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 3600);
        kit.Start(s, T0);
        kit.Pause(s, T0 + 30 * Minute);

        var applied = kit.StartAt(s, T0 + 40 * Minute, T0 + 10 * Minute);

        Assert.Equal(T0 + 30 * Minute, applied);
        Assert.Equal(T0 + 30 * Minute, s.RunStartedAtMs);
        Assert.Equal(30 * Minute, kit.CreditedTotal(s));
    }

    [Fact]
    public void AStartBeforeABoundaryAlreadyPerformedAppliesAtTheBoundarySoNoMillisecondCountsTwice()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 86400);
        kit.Start(s, Midnight - 2 * Hour);
        kit.CatchUp(Midnight + Hour);
        Assert.Equal(2 * Hour, kit.Credited(s, Today));

        var applied = kit.StartAt(s, Midnight + 2 * Hour, Midnight - Hour);

        Assert.Equal(Midnight, applied);
        kit.Pause(s, Midnight + 3 * Hour);
        Assert.Equal(2 * Hour, kit.Credited(s, Today));
        Assert.Equal(3 * Hour, kit.Credited(s, Tomorrow));
    }

    [Fact]
    public void AnOfflinePauseAfterABoundaryTheServerHadNotPerformedEndsTheRunAtTheBoundary()
    {
        var kit = Kit();
        var s = kit.Goalless(T0);
        kit.Start(s, Midnight - Hour);

        var applied = kit.PauseAt(s, Midnight + 2 * Hour, Midnight + Hour);

        Assert.Equal(Midnight + Hour, applied);
        Assert.Equal(Hour, kit.Credited(s, Today));
        Assert.Equal(0, kit.Credited(s, Tomorrow));
        Assert.Equal([ChangeType.AutoReset], kit.Last.Changes.Select(c => c.Type));
    }

    [Fact]
    public void ACreationBeforeAResetAllOrASettingsChangeAppliesAfterIt()
    {
        var kit = Kit();
        kit.Start(kit.Countdown(T0), T0);
        kit.ResetAll(T0 + 10 * Minute);
        Assert.Equal(T0 + 10 * Minute, TimerRules.FloorMs(kit.User));

        kit.Settings(T0 + 20 * Minute, zone: "Europe/Paris");

        Assert.Equal(T0 + 20 * Minute, TimerRules.FloorMs(kit.User));
        Assert.Equal(T0 + 20 * Minute, TimerRules.AppliedAtMs(T0 + 30 * Minute, T0 + 5 * Minute, TimerRules.FloorMs(kit.User)));
    }

    [Fact]
    public void WithSingleRunningAStartFollowsTheLastStartOrStopOfAnyRunIncludingACompletion()
    {
        var kit = Kit();
        var a = kit.Countdown(T0, durationSec: 600);
        var b = kit.Countdown(T0, durationSec: 600);
        kit.Start(a, T0);
        kit.CatchUp(T0 + 20 * Minute);
        Assert.True(a.IsCompleted);

        var applied = kit.StartAt(b, T0 + 20 * Minute, T0 + 5 * Minute);

        Assert.Equal(T0 + 10 * Minute, applied);
        Assert.Equal(10 * Minute, kit.CreditedTotal(a));
    }

    [Fact]
    public void WithSingleRunningAStartFollowsTheLastChangeOfTheRunningSessionItPauses()
    {
        var kit = Kit();
        var a = kit.Countdown(T0, durationSec: 3600);
        var b = kit.Countdown(T0, durationSec: 3600);
        kit.Start(a, T0);
        kit.Edit(a, T0 + 15 * Minute, durationSec: 7200);

        var applied = kit.StartAt(b, T0 + 20 * Minute, T0 + 5 * Minute);

        Assert.Equal(T0 + 15 * Minute, applied);
        Assert.Equal(15 * Minute, kit.CreditedTotal(a));
    }

    [Fact]
    public void WithSingleRunningAStartDoesNotWaitForAnEditThatCompletesAPausedSession()
    {
        var kit = Kit();
        var a = kit.Countdown(T0, durationSec: 3600);
        var b = kit.Countdown(T0, durationSec: 3600);
        kit.Start(a, T0);
        kit.Pause(a, T0 + 30 * Minute);
        kit.Edit(a, T0 + 40 * Minute, durationSec: 600);
        Assert.True(a.IsCompleted);

        var applied = kit.StartAt(b, T0 + 50 * Minute, T0 + 35 * Minute);

        Assert.Equal(T0 + 35 * Minute, applied);
        Assert.Equal(30 * Minute, kit.CreditedTotal(a));
        Assert.Equal(45 * Minute, b.TimeLeftAt(T0 + 50 * Minute));
    }

    [Fact]
    public void WithoutSingleRunningAStartDoesNotWaitForOtherSessions()
    {
        var kit = Kit(singleRunning: false);
        var a = kit.Countdown(T0, durationSec: 3600);
        var b = kit.Countdown(T0, durationSec: 3600);
        kit.Start(a, T0 + 10 * Minute);

        var applied = kit.StartAt(b, T0 + 20 * Minute, T0 + 5 * Minute);

        Assert.Equal(T0 + 5 * Minute, applied);
        Assert.True(a.IsRunning);
    }

    [Fact]
    public void AResetAllFollowsTheLastChangeOfEveryLiveSession()
    {
        var kit = Kit(singleRunning: false);
        var a = kit.Countdown(T0);
        var b = kit.Countdown(T0);
        kit.Start(a, T0 + Minute);
        kit.Edit(b, T0 + 7 * Minute, goalMinutes: 30);

        Assert.Equal(T0 + 7 * Minute, TimerRules.ResetAllFloorMs(kit.User));
    }

    [Fact]
    public void EveryChangeOfASessionRecordsItsInstantAndTheInstantsNeverGoBack()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        Assert.Equal(T0, s.ChangedAtMs);
        kit.Start(s, T0 + Minute);
        Assert.Equal((T0 + Minute, T0 + Minute), (s.ChangedAtMs, kit.User.RunChangedAtMs));
        kit.CatchUp(T0 + Hour);
        Assert.Equal((T0 + 11 * Minute, T0 + 11 * Minute), (s.ChangedAtMs, kit.User.RunChangedAtMs));
        kit.CatchUp(Midnight);
        Assert.Equal((Midnight, Midnight), (s.ChangedAtMs, kit.User.Clock.DayStartMs));

        // An instance whose clock lags by a few milliseconds never moves a recorded instant back.
        kit.Start(s, Midnight - 3);
        Assert.Equal(Midnight, s.ChangedAtMs);
    }
}
