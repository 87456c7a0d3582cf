using FocusSync.Timekeeping;
using NodaTime;
using static FocusSync.Tests.Timekeeping.TimerTestKit;

namespace FocusSync.Tests.Timekeeping;

/// <summary>The timer rules of SPEC section 3, one behaviour at a time, on a UTC user with the default reset time.</summary>
public sealed class TimerRuleTests
{
    private static readonly long T0 = Utc(2026, 5, 4, 10);
    private static readonly LocalDate Today = Date(2026, 5, 4);

    private static TimerTestKit Kit(bool singleRunning = true) => new("UTC", At(0), singleRunning, T0);

    // ---- create ----

    [Fact]
    public void CreatingACountdownLeavesItPausedWithItsWholeDurationAndRecordsTodaysGoal()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500, goalMinutes: 90);

        Assert.False(s.IsRunning);
        Assert.Equal(1500 * Second, s.TimeLeftAt(T0));
        Assert.False(s.IsCompleted);
        Assert.Equal([new Credit(s.Id, Today, 0, 90)], kit.Last.Credits);
        Assert.Equal(ChangeType.AddSession, Assert.Single(kit.Last.Changes).Type);
    }

    [Fact]
    public void CreatingAGoallessSessionRecordsNoGoal()
    {
        var kit = Kit();
        var s = kit.Goalless(T0);

        Assert.Null(s.TimeLeftAt(T0));
        Assert.Empty(kit.Last.Credits);
    }

    // ---- start ----

    [Fact]
    public void StartingRecordsTheStartInstantAndTargetsNowPlusTheTimeLeft()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        var outcome = kit.Start(s, T0 + 5 * Second);

        Assert.True(s.IsRunning);
        Assert.Equal(T0 + 5 * Second, s.RunStartedAtMs);
        Assert.Equal(T0 + 5 * Second + 1500 * Second, s.TargetMs);
        var change = Assert.Single(outcome.Changes);
        Assert.Equal((ChangeType.Start, T0 + 5 * Second, s.Id), (change.Type, change.AtMs, Assert.Single(change.Sessions).Id));
        Assert.DoesNotContain(outcome.Credits, c => c.Ms > 0);
    }

    [Fact]
    public void StartingAPartlyRunCountdownTargetsOnlyWhatWasLeft()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);
        kit.Pause(s, T0 + 10 * Minute);
        kit.Start(s, T0 + Hour);

        Assert.Equal(T0 + Hour + 15 * Minute, s.TargetMs);
        Assert.Equal(15 * Minute, s.TimeLeftAt(T0 + Hour));
    }

    [Fact]
    public void StartingAGoallessSessionSetsNoTarget()
    {
        var kit = Kit();
        var s = kit.Goalless(T0);
        kit.Start(s, T0);

        Assert.True(s.IsRunning);
        Assert.Equal(T0, s.RunStartedAtMs);
        Assert.Null(s.TargetMs);
    }

    [Fact]
    public void StartingACompletedCountdownBeginsAFreshOne()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);
        kit.CatchUp(T0 + 11 * Minute);
        Assert.True(s.IsCompleted);

        kit.Start(s, T0 + Hour);

        Assert.False(s.IsCompleted);
        Assert.True(s.IsRunning);
        Assert.Equal(600 * Second, s.TimeLeftAt(T0 + Hour));
        Assert.Equal(T0 + Hour + 600 * Second, s.TargetMs);
    }

    [Fact]
    public void StartingARunningSessionChangesNothingAndProducesNoChange()
    {
        var kit = Kit();
        var s = kit.Countdown(T0);
        kit.Start(s, T0);
        var before = Describe(kit.User);

        var outcome = kit.Start(s, T0 + 3 * Minute);

        Assert.Empty(outcome.Changes);
        Assert.Empty(outcome.Credits);
        Assert.Equal(before, Describe(kit.User));
    }

    [Fact]
    public void StartingWithSingleRunningPausesTheOtherSessionThenStartsThisOne()
    {
        var kit = Kit(singleRunning: true);
        var a = kit.Countdown(T0);
        var b = kit.Countdown(T0);
        kit.Start(a, T0);

        var outcome = kit.Start(b, T0 + 7 * Minute);

        Assert.False(a.IsRunning);
        Assert.True(b.IsRunning);
        Assert.Equal(
            [(ChangeType.Pause, a.Id), (ChangeType.Start, b.Id)],
            outcome.Changes.Select(c => (c.Type, Assert.Single(c.Sessions).Id)));
        Assert.All(outcome.Changes, c => Assert.Equal(T0 + 7 * Minute, c.AtMs));
        Assert.Equal([new Credit(a.Id, Today, 7 * Minute, 60)], outcome.Credits);
        Assert.Equal(18 * Minute, a.TimeLeftAt(T0 + Hour));
    }

    [Fact]
    public void StartingWithoutSingleRunningLeavesTheOtherSessionRunning()
    {
        var kit = Kit(singleRunning: false);
        var a = kit.Countdown(T0);
        var b = kit.Goalless(T0);
        kit.Start(a, T0);

        var outcome = kit.Start(b, T0 + 7 * Minute);

        Assert.True(a.IsRunning);
        Assert.True(b.IsRunning);
        Assert.Equal(T0, a.RunStartedAtMs);
        Assert.Equal([ChangeType.Start], outcome.Changes.Select(c => c.Type));
        Assert.Empty(outcome.Credits);
    }

    // ---- pause ----

    [Fact]
    public void PausingCreditsTheTimeRunSinceTheStart()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500, goalMinutes: 45);
        kit.Start(s, T0);

        var outcome = kit.Pause(s, T0 + 10 * Minute + 123);

        Assert.Equal([new Credit(s.Id, Today, 10 * Minute + 123, 45)], outcome.Credits);
        Assert.Equal(10 * Minute + 123, s.FocusMs);
        var change = Assert.Single(outcome.Changes);
        Assert.Equal((ChangeType.Pause, T0 + 10 * Minute + 123), (change.Type, change.AtMs));
    }

    [Fact]
    public void APauseReadBeforeTheStartOnALaggingClockCreditsNothingAndKeepsTheTimeLeft()
    {
        // Two instances on one database may read clocks a few milliseconds apart.
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500, goalMinutes: 45);
        kit.Start(s, T0 + 10);

        Assert.Equal(1500 * Second, s.TimeLeftAt(T0 + 5));
        Assert.Equal(0, s.FocusAt(T0 + 5));
        var outcome = kit.Pause(s, T0 + 5);

        Assert.Equal([new Credit(s.Id, Today, 0, 45)], outcome.Credits);
        Assert.Equal(0, s.FocusMs);
        Assert.Equal(1500 * Second, s.TimeLeftAt(T0 + Hour));
    }

    [Fact]
    public void PausingKeepsTheTimeThatWasLeft()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);
        kit.Pause(s, T0 + 10 * Minute);

        Assert.False(s.IsRunning);
        Assert.Null(s.TargetMs);
        Assert.Equal(15 * Minute, s.TimeLeftAt(T0 + 5 * Hour));
        Assert.False(s.IsCompleted);
    }

    [Fact]
    public void PausingAPausedSessionChangesNothingAndProducesNoChange()
    {
        var kit = Kit();
        var s = kit.Countdown(T0);
        kit.Start(s, T0);
        kit.Pause(s, T0 + Minute);
        var before = Describe(kit.User);

        var outcome = kit.Pause(s, T0 + 2 * Minute);

        Assert.Empty(outcome.Changes);
        Assert.Empty(outcome.Credits);
        Assert.Equal(before, Describe(kit.User));
    }

    [Fact]
    public void PausingTwiceAtTheSameInstantCreditsTheRunOnce()
    {
        var kit = Kit();
        var s = kit.Goalless(T0);
        kit.Start(s, T0);
        kit.Pause(s, T0 + Minute);
        kit.Pause(s, T0 + Minute);

        Assert.Equal(Minute, kit.CreditedTotal(s));
    }

    // ---- completion ----

    [Fact]
    public void ACountdownCompletesAtItsTargetCreditingExactlyUpToIt()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600, goalMinutes: 30);
        kit.Start(s, T0);

        var outcome = kit.CatchUp(T0 + 600 * Second);

        Assert.False(s.IsRunning);
        Assert.True(s.IsCompleted);
        Assert.Equal(0, s.TimeLeftAt(T0 + 600 * Second));
        Assert.Equal([new Credit(s.Id, Today, 600 * Second, 30)], outcome.Credits);
        var change = Assert.Single(outcome.Changes);
        Assert.Equal((ChangeType.Complete, T0 + 600 * Second), (change.Type, change.AtMs));
    }

    [Fact]
    public void ACountdownIsNotCompletedAMillisecondBeforeItsTarget()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);

        var outcome = kit.CatchUp(T0 + 600 * Second - 1);

        Assert.Empty(outcome.Changes);
        Assert.True(s.IsRunning);
        Assert.Equal(1, s.TimeLeftAt(T0 + 600 * Second - 1));
    }

    [Fact]
    public void ACountdownCaughtUpLongAfterItsTargetIsCreditedOnlyUpToTheTarget()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);

        var outcome = kit.CatchUp(T0 + 9 * Hour);

        Assert.Equal(600 * Second, kit.Credited(s, Today));
        Assert.True(s.IsCompleted);
        Assert.Equal(0, s.TimeLeftAt(T0 + 9 * Hour));
        var change = Assert.Single(outcome.Changes);
        Assert.Equal((ChangeType.Complete, T0 + 600 * Second), (change.Type, change.AtMs));
    }

    [Fact]
    public void ACommandAfterTheTargetFindsTheCountdownAlreadyCompleted()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);

        var outcome = kit.Pause(s, T0 + 20 * Minute);

        Assert.Equal([ChangeType.Complete], outcome.Changes.Select(c => c.Type));
        Assert.Equal(T0 + 600 * Second, outcome.Changes[0].AtMs);
        Assert.Equal(600 * Second, kit.CreditedTotal(s));
    }

    [Fact]
    public void AReadAfterTheTargetShowsNoTimeLeftBeforeAnyCatchUp()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);

        Assert.Equal(0, s.TimeLeftAt(T0 + 2 * Hour));
        Assert.Equal(T0 + 600 * Second, TimerRules.NextDueMs(kit.User));
    }

    [Fact]
    public void TwoCountdownsCompleteInTheOrderOfTheirTargets()
    {
        var kit = Kit(singleRunning: false);
        var a = kit.Countdown(T0, durationSec: 900);
        var b = kit.Countdown(T0, durationSec: 300);
        kit.Start(a, T0);
        kit.Start(b, T0);

        var outcome = kit.CatchUp(T0 + Hour);

        Assert.Equal(
            [(b.Id, T0 + 300 * Second), (a.Id, T0 + 900 * Second)],
            outcome.Changes.Select(c => (Assert.Single(c.Sessions).Id, c.AtMs)));
    }

    [Fact]
    public void AGoallessStopwatchNeverCompletes()
    {
        var kit = Kit();
        var s = kit.Goalless(T0);
        kit.Start(s, T0);

        var caughtUp = kit.CatchUp(T0 + 13 * Hour);
        Assert.Empty(caughtUp.Changes);
        Assert.True(s.IsRunning);
        Assert.False(s.IsCompleted);
        Assert.Null(s.TimeLeftAt(T0 + 13 * Hour));

        var paused = kit.Pause(s, T0 + 13 * Hour);
        Assert.Equal([new Credit(s.Id, Today, 13 * Hour, null)], paused.Credits);
    }

    // ---- reset ----

    [Fact]
    public void ResettingARunningSessionCreditsItsTimeAndRefillsIt()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);

        var outcome = kit.Reset(s, T0 + 4 * Minute);

        Assert.Equal([new Credit(s.Id, Today, 4 * Minute, 60)], outcome.Credits);
        Assert.False(s.IsRunning);
        Assert.Equal(1500 * Second, s.TimeLeftAt(T0 + Hour));
        Assert.Equal((ChangeType.ResetSession, T0 + 4 * Minute), (outcome.Changes.Single().Type, outcome.Changes.Single().AtMs));
    }

    [Fact]
    public void ResettingACompletedCountdownRefillsItAndClearsCompleted()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 60);
        kit.Start(s, T0);
        kit.CatchUp(T0 + Hour);

        kit.Reset(s, T0 + Hour);

        Assert.False(s.IsCompleted);
        Assert.Equal(60 * Second, s.TimeLeftAt(T0 + Hour));
    }

    [Fact]
    public void ResettingNeverErasesRecordedTime()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);
        kit.Pause(s, T0 + 5 * Minute);
        kit.Start(s, T0 + 10 * Minute);

        kit.Reset(s, T0 + 12 * Minute);

        Assert.Equal(7 * Minute, kit.Credited(s, Today));
        Assert.Equal(7 * Minute, s.FocusMs);
        Assert.DoesNotContain(kit.Credits, c => c.Ms < 0);
    }

    [Fact]
    public void ResettingAnUntouchedSessionProducesNoChange()
    {
        var kit = Kit();
        var s = kit.Countdown(T0);
        var before = Describe(kit.User);

        var outcome = kit.Reset(s, T0 + Minute);

        Assert.Empty(outcome.Changes);
        Assert.Empty(outcome.Credits);
        Assert.Equal(before, Describe(kit.User));
    }

    // ---- resetAll ----

    [Fact]
    public void ResetAllIsOneChangeListingEveryLiveSession()
    {
        var kit = Kit(singleRunning: false);
        var running = kit.Countdown(T0, durationSec: 1500, goalMinutes: 20);
        var partly = kit.Countdown(T0, durationSec: 900);
        var untouched = kit.Goalless(T0);
        var deleted = kit.Countdown(T0);
        kit.Delete(deleted, T0);
        kit.Start(partly, T0);
        kit.Pause(partly, T0 + Minute);
        kit.Start(running, T0 + Minute);

        var outcome = kit.ResetAll(T0 + 3 * Minute);

        var change = Assert.Single(outcome.Changes);
        Assert.Equal((ChangeType.ResetAll, T0 + 3 * Minute), (change.Type, change.AtMs));
        Assert.Equal([running.Id, partly.Id, untouched.Id], change.Sessions.Select(x => x.Id).Order());
        Assert.Equal([new Credit(running.Id, Today, 2 * Minute, 20)], outcome.Credits);
        Assert.False(running.IsRunning);
        Assert.Equal(1500 * Second, running.TimeLeftAt(T0 + 3 * Minute));
        Assert.Equal(900 * Second, partly.TimeLeftAt(T0 + 3 * Minute));
        Assert.Equal(Minute, kit.Credited(partly, Today));
    }

    [Fact]
    public void ResetAllWithNothingToResetProducesNoChange()
    {
        var kit = Kit();
        kit.Countdown(T0);
        kit.Goalless(T0);
        var before = Describe(kit.User);

        var outcome = kit.ResetAll(T0 + Minute);

        Assert.Empty(outcome.Changes);
        Assert.Empty(outcome.Credits);
        Assert.Equal(before, Describe(kit.User));
    }

    // ---- delete ----

    [Fact]
    public void DeletingARunningSessionCreditsItsTimeAndMarksItDeleted()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);

        var outcome = kit.Delete(s, T0 + 6 * Minute);

        Assert.Equal([new Credit(s.Id, Today, 6 * Minute, 60)], outcome.Credits);
        Assert.True(s.Deleted);
        Assert.False(s.IsRunning);
        Assert.Equal((ChangeType.DeleteSession, T0 + 6 * Minute), (outcome.Changes.Single().Type, outcome.Changes.Single().AtMs));
    }

    [Fact]
    public void ADeletedCountdownNeverCompletes()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);
        kit.Delete(s, T0 + Minute);

        var outcome = kit.CatchUp(T0 + Hour);

        Assert.Empty(outcome.Changes);
        Assert.Equal(Minute, kit.CreditedTotal(s));
    }

    [Fact]
    public void DeletingAPausedSessionCreditsNothing()
    {
        var kit = Kit();
        var s = kit.Countdown(T0);

        var outcome = kit.Delete(s, T0 + Minute);

        Assert.Empty(outcome.Credits);
        Assert.True(s.Deleted);
    }

    // ---- edit ----

    [Fact]
    public void ChangingTheDurationOfARunningCountdownKeepsTheTimeAlreadyElapsed()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);

        var outcome = kit.Edit(s, T0 + 10 * Minute, durationSec: 1800);

        Assert.True(s.IsRunning);
        Assert.Equal(T0, s.RunStartedAtMs);
        Assert.Equal(20 * Minute, s.TimeLeftAt(T0 + 10 * Minute));
        Assert.Equal(T0 + 30 * Minute, s.TargetMs);
        Assert.DoesNotContain(outcome.Credits, c => c.Ms > 0);
        Assert.Equal([ChangeType.EditSession], outcome.Changes.Select(c => c.Type));
    }

    [Fact]
    public void ACountdownAnEditCompletedCountsFromItsShorterDurationWhenLengthenedAgain()
    {
        // docs/decisions.md: an edit that completes a countdown ends it, as a natural completion would.
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 100, goalMinutes: 30);
        kit.Start(s, T0);

        var shortened = kit.Edit(s, T0 + 70 * Second, durationSec: 50);

        Assert.True(s.IsCompleted);
        Assert.False(s.IsRunning);
        Assert.Equal(70 * Second, s.FocusMs);
        Assert.Equal([new Credit(s.Id, Today, 70 * Second, 30)], shortened.Credits);

        kit.Edit(s, T0 + 80 * Second, durationSec: 100);

        Assert.False(s.IsCompleted);
        Assert.Equal(50 * Second, s.TimeLeftAt(T0 + 80 * Second));
        Assert.Equal(70 * Second, s.FocusMs);
    }

    [Fact]
    public void ChangingTheDurationOfAPausedCountdownKeepsTheTimeAlreadyElapsed()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);
        kit.Pause(s, T0 + 10 * Minute);

        kit.Edit(s, T0 + Hour, durationSec: 1200);

        Assert.False(s.IsRunning);
        Assert.Equal(10 * Minute, s.TimeLeftAt(T0 + Hour));
        Assert.False(s.IsCompleted);
    }

    [Fact]
    public void ShorteningTheDurationBelowTheTimeElapsedCompletesTheCountdownNow()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500, goalMinutes: 40);
        kit.Start(s, T0);

        var outcome = kit.Edit(s, T0 + 10 * Minute, durationSec: 300);

        Assert.False(s.IsRunning);
        Assert.True(s.IsCompleted);
        Assert.Equal(0, s.TimeLeftAt(T0 + 10 * Minute));
        Assert.Equal([new Credit(s.Id, Today, 10 * Minute, 40)], outcome.Credits);
        Assert.Equal(
            [(ChangeType.EditSession, T0 + 10 * Minute), (ChangeType.Complete, T0 + 10 * Minute)],
            outcome.Changes.Select(c => (c.Type, c.AtMs)));
    }

    [Fact]
    public void ShorteningTheDurationToExactlyTheTimeElapsedCompletesTheCountdownNow()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500);
        kit.Start(s, T0);

        kit.Edit(s, T0 + 10 * Minute, durationSec: 600);

        Assert.True(s.IsCompleted);
        Assert.False(s.IsRunning);
        Assert.Equal(10 * Minute, kit.CreditedTotal(s));
    }

    [Fact]
    public void LengtheningACompletedCountdownMakesItIncompleteWithTheExtraTimeLeft()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);
        kit.CatchUp(T0 + Hour);
        Assert.True(s.IsCompleted);

        var outcome = kit.Edit(s, T0 + Hour, durationSec: 900);

        Assert.False(s.IsCompleted);
        Assert.False(s.IsRunning);
        Assert.Equal(300 * Second, s.TimeLeftAt(T0 + Hour));
        Assert.Equal([ChangeType.EditSession], outcome.Changes.Select(c => c.Type));
    }

    [Fact]
    public void ShorteningACompletedCountdownKeepsItCompletedWithoutASecondCompletion()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 600);
        kit.Start(s, T0);
        kit.CatchUp(T0 + Hour);

        var outcome = kit.Edit(s, T0 + Hour, durationSec: 300);

        Assert.True(s.IsCompleted);
        Assert.Equal(0, s.TimeLeftAt(T0 + Hour));
        Assert.Equal([ChangeType.EditSession], outcome.Changes.Select(c => c.Type));
        Assert.Empty(outcome.Credits);
    }

    [Fact]
    public void ChangingTheGoalWritesTodaysRowWithNoTimeAndTheNewGoal()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500, goalMinutes: 60);
        kit.Start(s, T0);
        kit.Pause(s, T0 + 10 * Minute);

        var outcome = kit.Edit(s, T0 + Hour, goalMinutes: 120);

        Assert.Equal([new Credit(s.Id, Today, 0, 120)], outcome.Credits);
        Assert.Equal(10 * Minute, kit.Credited(s, Today));
        Assert.Equal(120, kit.GoalOn(s, Today));
        Assert.Equal([ChangeType.EditSession], outcome.Changes.Select(c => c.Type));
    }

    [Fact]
    public void ChangingTheGoalOfARunningSessionLeavesItRunning()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500, goalMinutes: 60);
        kit.Start(s, T0);

        kit.Edit(s, T0 + Minute, goalMinutes: 30);
        kit.Pause(s, T0 + 2 * Minute);

        Assert.Equal(2 * Minute, kit.Credited(s, Today));
        Assert.Equal(30, kit.GoalOn(s, Today));
    }

    [Fact]
    public void EditingWithNothingChangedProducesNoChange()
    {
        var kit = Kit();
        var s = kit.Countdown(T0, durationSec: 1500, goalMinutes: 60);
        var before = Describe(kit.User);

        var outcome = kit.Edit(s, T0 + Minute, goalMinutes: 60, durationSec: 1500);

        Assert.Empty(outcome.Changes);
        Assert.Empty(outcome.Credits);
        Assert.Equal(before, Describe(kit.User));
    }

    [Fact]
    public void EditingOnlyNonTimerFieldsIsStillOneChange()
    {
        var kit = Kit();
        var s = kit.Countdown(T0);

        var outcome = kit.Do(T0 + Minute, (u, o) => TimerRules.Edit(u, s, new SessionEdit(Title: "Renamed"), T0 + Minute, o));

        Assert.Equal([(ChangeType.EditSession, T0 + Minute)], outcome.Changes.Select(c => (c.Type, c.AtMs)));
        Assert.Empty(outcome.Credits);
    }

    [Fact]
    public void AGoallessSessionKeepsNoGoalInItsCredits()
    {
        var kit = Kit();
        var s = kit.Goalless(T0);
        kit.Start(s, T0);
        kit.Pause(s, T0 + Minute);
        kit.Edit(s, T0 + Minute);

        Assert.All(kit.Credits, c => Assert.Null(c.GoalMinutes));
        Assert.Null(s.DailyGoalMinutes);
        Assert.Null(s.InitialDurationSec);
    }

    // ---- the goalless rule ----

    [Fact]
    public void AGoallessSessionIsRefusedEachGoalFieldARequestGivesIt()
    {
        Assert.Equal(
            ["initialDuration", "dailyGoalMinutes"],
            TimerRules.RefuseGoalFields(noGoal: true, givesDuration: true, givesGoal: true).Select(r => r.Field));
        Assert.Empty(TimerRules.RefuseGoalFields(noGoal: true, givesDuration: false, givesGoal: false));
        Assert.Empty(TimerRules.RefuseGoalFields(noGoal: false, givesDuration: true, givesGoal: true));
    }

    [Fact]
    public void EditingAGoallessSessionsGoalOrDurationIsRefusedAndACountdownsIsNot()
    {
        var kit = Kit();
        var goalless = kit.Goalless(T0);
        var countdown = kit.Countdown(T0);

        Assert.Equal("dailyGoalMinutes", TimerRules.RefuseGoalEdit(goalless, 30, 600)?.Field);
        Assert.Equal("initialDuration", TimerRules.RefuseGoalEdit(goalless, null, 600)?.Field);
        Assert.Null(TimerRules.RefuseGoalEdit(goalless, null, null));
        Assert.Null(TimerRules.RefuseGoalEdit(countdown, 30, 600));
    }

    // ---- settings ----

    [Fact]
    public void ChangingOnlyTheWeekStartIsOneChangeAndLeavesTheDayAlone()
    {
        var kit = Kit();
        var dayEnd = kit.User.Clock.DayEndMs;

        var outcome = kit.Do(T0, (u, o) => TimerRules.ChangeSettings(u, u.Clock.Settings with { WeekStart = IsoDayOfWeek.Sunday }, T0, o));

        Assert.Equal([ChangeType.AutoResetTimeChange], outcome.Changes.Select(c => c.Type));
        Assert.Equal((IsoDayOfWeek.Sunday, dayEnd), (kit.User.Clock.Settings.WeekStart, kit.User.Clock.DayEndMs));
    }

    [Fact]
    public void SettingsEqualToTheCurrentOnesAreNoChange()
    {
        var kit = Kit();

        var outcome = kit.Do(T0, (u, o) => TimerRules.ChangeSettings(u, u.Clock.Settings with { }, T0, o));

        Assert.Empty(outcome.Changes);
    }

    // ---- groups ----

    [Fact]
    public void EditingAGroupToWhatItAlreadyIsIsNoChange()
    {
        var group = new SessionGroup { Id = 7, Name = "Work", Description = "Paid" };
        var outcome = new Outcome();

        TimerRules.EditGroup(group, "Work", null, T0, outcome);
        Assert.Empty(outcome.Changes);

        TimerRules.EditGroup(group, null, "Unpaid", T0, outcome);
        Assert.Equal([(ChangeType.EditGroup, (long?)7)], outcome.Changes.Select(c => (c.Type, c.GroupId)));
        Assert.Equal(("Work", "Unpaid"), (group.Name, group.Description));
    }

    [Fact]
    public void DeletingAGroupUngroupsItsLiveSessionsEachOneVersionNewer()
    {
        var kit = Kit();
        var group = new SessionGroup { Id = 7 };
        var grouped = kit.Countdown(T0);
        var deleted = kit.Countdown(T0);
        var other = kit.Countdown(T0);
        kit.Do(T0, (u, o) => TimerRules.Edit(u, grouped, new SessionEdit(GroupId: 7), T0, o));
        kit.Do(T0, (u, o) => TimerRules.Edit(u, deleted, new SessionEdit(GroupId: 7), T0, o));
        kit.Delete(deleted, T0);
        var versions = (grouped.Version, deleted.Version, other.Version);

        var outcome = kit.Do(T0 + Minute, (u, o) => TimerRules.DeleteGroup(u, group, T0 + Minute, o));

        var change = Assert.Single(outcome.Changes);
        Assert.Equal((ChangeType.DeleteGroup, (long?)7), (change.Type, change.GroupId));
        Assert.Equal([(grouped.Id, (long?)null, versions.Item1 + 1)], change.Sessions.Select(s => (s.Id, s.GroupId, s.Version)));
        Assert.Equal((null, versions.Item1 + 1, versions.Item2, versions.Item3), (grouped.GroupId, grouped.Version, deleted.Version, other.Version));
    }
}
