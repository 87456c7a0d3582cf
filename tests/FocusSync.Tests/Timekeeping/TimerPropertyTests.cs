using System.Globalization;
using FocusSync.Timekeeping;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NodaTime;
using Outcome = FocusSync.Timekeeping.Outcome;

namespace FocusSync.Tests.Timekeeping;

/// <summary>
/// Random command sequences at random times, across DST changes and odd offsets, checked against a reference
/// model written here from SPEC sections 2-3 (running intervals per session, and user-days from NodaTime).
/// </summary>
public sealed class TimerPropertyTests
{
    private const int MaxTest = 200;

    [Property(MaxTest = MaxTest)]
    public Property CreditedTimeEqualsTheTimeEachSessionReallyRan() =>
        Prop.ForAll(Scenarios.Arbitrary, scenario => CheckCreditsEqualRuns(Replay(scenario)));

    [Property(MaxTest = MaxTest)]
    public Property EveryCreditLandsOnTheUserDayInForceWhenTheRunBegan() =>
        Prop.ForAll(Scenarios.Arbitrary, scenario => CheckCreditDays(scenario, Replay(scenario)));

    /// <summary>
    /// Two devices, one offline for a stretch (which may cross user-day boundaries) whose actions arrive when it is
    /// back, each timed with the instant the person acted (SPEC section 7): the credits still equal the runs to the
    /// millisecond, and each action applied no earlier than any change it depends on.
    /// </summary>
    [Property(MaxTest = MaxTest)]
    public Property WithAnOfflineDevicesTimedActionsCreditedTimeEqualsTheTimeEachSessionReallyRan() =>
        Prop.ForAll(Scenarios.Arbitrary, scenario => CheckCreditsEqualRuns(Replay(scenario, timed: true)));

    [Property(MaxTest = MaxTest)]
    public Property WithAnOfflineDevicesTimedActionsEveryCreditLandsOnTheUserDayInForceWhenTheRunBegan() =>
        Prop.ForAll(Scenarios.Arbitrary, scenario => CheckCreditDays(scenario, Replay(scenario, timed: true)));

    [Property(MaxTest = MaxTest)]
    public Property WithAnOfflineDevicesTimedActionsAndSingleRunningNoTwoSessionsRunAtOnce() =>
        Prop.ForAll(Scenarios.Arbitrary.Filter(s => s.SingleRunning), scenario =>
        {
            Replay(scenario, timed: true, afterEachStep: user =>
                Assert.True(user.Sessions.Count(s => s is { IsRunning: true, Deleted: false }) <= 1, "two sessions running"));
        });

    [Property(MaxTest = MaxTest)]
    public Property RepeatingACommandAtTheSameInstantChangesNothing() =>
        Prop.ForAll(Scenarios.Arbitrary, scenario =>
        {
            var run = Replay(scenario, repeatEveryCommand: true);
            return true.Classify(run.Repeats == 0, "nothing to repeat");
        });

    [Property(MaxTest = MaxTest)]
    public Property WithSingleRunningNoTwoSessionsRunAtOnce() =>
        Prop.ForAll(Scenarios.Arbitrary.Filter(s => s.SingleRunning), scenario =>
        {
            Replay(scenario, afterEachStep: user =>
                Assert.True(user.Sessions.Count(s => s is { IsRunning: true, Deleted: false }) <= 1, "two sessions running"));
        });

    [Property(MaxTest = MaxTest)]
    public Property TheStateAfterEachStepMatchesTheReferenceModel() =>
        Prop.ForAll(Scenarios.Arbitrary, scenario =>
        {
            Replay(scenario);
        });

    private static void CheckCreditsEqualRuns(Replayed run)
    {
        foreach (var (id, model) in run.Model.Sessions)
        {
            var timer = run.Timers[id];
            var credited = run.Credits.Where(c => c.SessionId == id).Sum(c => c.Ms);
            var runningNow = timer.RunStartedAtMs is { } started ? run.EndMs - started : 0;
            var reallyRan = model.Runs.Sum(r => r.To - r.From) + (model.From is { } from ? run.EndMs - from : 0);
            Assert.True(credited + runningNow == reallyRan, $"session {id}: credited {credited} + running {runningNow} != ran {reallyRan}");

            // One credit per run, in order: nothing counted twice, nothing lost.
            Assert.Equal(
                model.Runs.Where(r => r.To > r.From).Select(r => r.To - r.From),
                run.Credits.Where(c => c.SessionId == id && c.Ms > 0).Select(c => c.Ms));

            // The runs read back from the change stream are the same runs.
            Assert.Equal(
                model.Runs.Where(r => r.To > r.From).Select(r => (r.From, r.To)),
                run.RunsFromChanges.GetValueOrDefault(id, []).Where(r => r.To > r.From));

            for (var i = 1; i < model.Runs.Count; i++)
            {
                Assert.True(model.Runs[i].From >= model.Runs[i - 1].To, $"session {id}: runs overlap");
            }
        }
    }

    private static void CheckCreditDays(Scenario scenario, Replayed run)
    {
        foreach (var (id, model) in run.Model.Sessions)
        {
            var runs = model.Runs.Where(r => r.To > r.From).ToList();
            var credits = run.Credits.Where(c => c.SessionId == id && c.Ms > 0).ToList();
            Assert.Equal(runs.Count, credits.Count);
            for (var i = 0; i < runs.Count; i++)
            {
                var (from, to, modelDay) = runs[i];
                Assert.True(modelDay == credits[i].Day, $"session {id}: run [{from}, {to}) credited to {credits[i].Day}, in force {modelDay}");
                if (!scenario.ChangesSettings)
                {
                    // Settings never changed: the day is plain NodaTime, reset(D) <= from < to <= reset(D + 1).
                    var day = RefDays.DayOf(scenario.TimeZone, scenario.ResetTime, from);
                    Assert.True(day == credits[i].Day, $"session {id}: run from {from} credited to {credits[i].Day}, NodaTime says {day}");
                    Assert.True(to <= RefDays.ResetMs(scenario.TimeZone, scenario.ResetTime, day.PlusDays(1)), $"session {id}: run [{from}, {to}) crosses the end of {day}");
                }
            }
        }

        if (!scenario.ChangesSettings)
        {
            Assert.Equal(RefDays.DayOf(scenario.TimeZone, scenario.ResetTime, run.EndMs), run.User.Clock.Day);
        }
    }

    // ---- replaying a scenario through the rules and the model side by side ----

    private sealed record Replayed(
        UserTimers User,
        RefModel Model,
        Dictionary<long, SessionTimer> Timers,
        List<Credit> Credits,
        Dictionary<long, List<(long From, long To)>> RunsFromChanges,
        long EndMs,
        int Repeats);

    /// <summary>
    /// Replays the steps through the rules and the model. <paramref name="timed"/>: the phone's steps in the offline
    /// stretch arrive together when it is back, each applied as a timed action at the instant it was taken.
    /// </summary>
    private static Replayed Replay(
        Scenario scenario, bool repeatEveryCommand = false, Action<UserTimers>? afterEachStep = null, bool timed = false)
    {
        var zone = DateTimeZoneProviders.Tzdb[scenario.TimeZone];
        var user = new UserTimers(UserClock.Create(TimerTestKit.Settings(zone, scenario.ResetTime, scenario.SingleRunning), scenario.StartMs), []);
        var model = new RefModel(new RefDays(scenario.TimeZone, scenario.ResetTime, scenario.StartMs), scenario.SingleRunning);
        var timers = new Dictionary<long, SessionTimer>();
        var credits = new List<Credit>();
        var changes = new List<Change>();
        var repeats = 0;

        foreach (var (step, actedMs, now) in scenario.Deliveries(timed))
        {
            var outcome = new Outcome();
            var command = Resolve(step, model, timers, user);
            var appliedMs = now;
            if (timed && command is { Kind: not Op.Settings })
            {
                appliedMs = TimerRules.AppliedAtMs(now, actedMs, command.FloorMs(user, timers));
                CheckTimedInstant(scenario, user, command, changes, actedMs, now, appliedMs);
            }

            TimerRules.CatchUp(user, appliedMs, outcome);
            model.AdvanceTo(appliedMs);
            command?.Apply(user, timers, model, appliedMs, outcome);
            TimerRules.CatchUp(user, now, outcome);
            model.AdvanceTo(now);
            credits.AddRange(outcome.Credits);
            changes.AddRange(outcome.Changes);
            CheckAgainstModel(user, timers, model, now, step);
            afterEachStep?.Invoke(user);

            if (!timed && command is { Repeatable: true } && (repeatEveryCommand || step.Repeat))
            {
                repeats++;
                var before = TimerTestKit.Describe(user);
                var again = new Outcome();
                TimerRules.CatchUp(user, now, again);
                command.ApplyToRules(user, timers, now, again);
                Assert.True(before == TimerTestKit.Describe(user), $"repeating {command} at {now} changed the state:\n{before}\n---\n{TimerTestKit.Describe(user)}");
                Assert.DoesNotContain(again.Credits, c => c.Ms > 0);
                if (command.Kind is Op.Start or Op.Pause or Op.Reset or Op.ResetAll or Op.EditGoal or Op.EditDuration)
                {
                    Assert.True(again.Changes.Count == 0, $"repeating {command} at {now} produced {string.Join(", ", again.Changes.Select(c => c.Type))}");
                }

                credits.AddRange(again.Credits);
                changes.AddRange(again.Changes);
            }
        }

        var end = scenario.EndMs;
        var last = new Outcome();
        TimerRules.CatchUp(user, end, last);
        model.AdvanceTo(end);
        credits.AddRange(last.Credits);
        changes.AddRange(last.Changes);
        CheckAgainstModel(user, timers, model, end, null);
        afterEachStep?.Invoke(user);

        Assert.DoesNotContain(credits, c => c.Ms < 0);
        return new Replayed(user, model, timers, credits, RunsFromChanges(changes), end, repeats);
    }

    /// <summary>
    /// What the instant a timed action applied at must be, read from the change stream alone: never after now, never
    /// before a change it depends on (of a session it changes, a boundary, a reset-all, a settings change, and for a
    /// start with singleRunning any start or stop of a run), and exactly the instant acted at when that follows
    /// every change so far.
    /// </summary>
    private static void CheckTimedInstant(
        Scenario scenario, UserTimers user, Command command, List<Change> changes, long actedMs, long now, long appliedMs)
    {
        long Latest(Func<Change, bool> which) => changes.Where(which).Select(c => c.AtMs).DefaultIfEmpty(scenario.StartMs).Max();
        bool Changes(Change change, long id) => change.Sessions.Any(s => s.Id == id);

        var live = user.Sessions.Where(s => !s.Deleted).Select(s => s.Id).ToList();
        var dependsOn = Latest(c => c.Type is ChangeType.AutoReset or ChangeType.ResetAll or ChangeType.AutoResetTimeChange);
        dependsOn = command switch
        {
            { SessionId: { } id, Kind: Op.Start } when user.Clock.Settings.SingleRunning =>
                Math.Max(Math.Max(dependsOn, Latest(c => Changes(c, id))), LastRunChangeMs(changes, scenario.StartMs)),
            { SessionId: { } id } => Math.Max(dependsOn, Latest(c => Changes(c, id))),
            { Kind: Op.ResetAll } => Math.Max(dependsOn, Latest(c => live.Any(id => Changes(c, id)))),
            _ => dependsOn,
        };

        var what = $"{command} acted at {actedMs}, delivered at {now}, applied at {appliedMs}";
        Assert.True(appliedMs <= now, $"{what}: after now");
        Assert.True(appliedMs >= Math.Min(now, dependsOn), $"{what}: before a change it depends on: " + string.Join(", ", changes
            .Where(c => c.AtMs == dependsOn).Select(c => $"{c.Type} of [{string.Join(' ', c.Sessions.Select(s => s.Id))}] at {c.AtMs}")));
        if (actedMs >= Latest(_ => true))
        {
            Assert.True(appliedMs == actedMs, $"{what}: moved although nothing committed after it");
        }
    }

    /// <summary>
    /// The last instant any run started or stopped, read from the change stream alone: a completion or an edit of a
    /// paused session stops no run, so a start under singleRunning need not follow it.
    /// </summary>
    private static long LastRunChangeMs(List<Change> changes, long startMs)
    {
        var running = new HashSet<long>();
        var last = startMs;
        foreach (var change in changes)
        {
            foreach (var s in change.Sessions)
            {
                if (change.Type == ChangeType.Start ? running.Add(s.Id) : !s.IsRunning && running.Remove(s.Id))
                {
                    last = Math.Max(last, change.AtMs);
                }
            }
        }

        return last;
    }

    private static void CheckAgainstModel(UserTimers user, Dictionary<long, SessionTimer> timers, RefModel model, long now, Step? step)
    {
        var where = $"after {step?.ToString() ?? "the end"} at {now}";
        Assert.True(model.Days.Day == user.Clock.Day, $"{where}: day {user.Clock.Day}, model {model.Days.Day}");
        foreach (var (id, m) in model.Sessions)
        {
            var t = timers[id];
            var expected = (m.From, m.Completed, m.Deleted, m.LeftAt(now));
            var actual = (t.RunStartedAtMs, t.IsCompleted, t.Deleted, t.TimeLeftAt(now));
            Assert.True(expected == actual, $"{where}: session {id} (runStart, completed, deleted, left) = {actual}, model {expected}");
        }
    }

    /// <summary>Running intervals read from the change stream alone: a Start opens one, anything that stops a timer closes it.</summary>
    private static Dictionary<long, List<(long From, long To)>> RunsFromChanges(List<Change> changes)
    {
        var open = new Dictionary<long, long>();
        var runs = new Dictionary<long, List<(long From, long To)>>();
        foreach (var change in changes)
        {
            foreach (var s in change.Sessions)
            {
                var stops = change.Type is ChangeType.Pause or ChangeType.Complete or ChangeType.ResetSession
                    or ChangeType.ResetAll or ChangeType.DeleteSession or ChangeType.AutoReset;
                if (change.Type == ChangeType.Start)
                {
                    Assert.False(open.ContainsKey(s.Id), $"session {s.Id} started twice at {change.AtMs}");
                    open[s.Id] = change.AtMs;
                }
                else if (stops && open.Remove(s.Id, out var from))
                {
                    Assert.False(s.IsRunning, $"{change.Type} of session {s.Id} at {change.AtMs} left it running");
                    (runs.TryGetValue(s.Id, out var list) ? list : runs[s.Id] = []).Add((from, change.AtMs));
                }
            }
        }

        return runs;
    }

    // ---- commands ----

    internal enum Op { CreateCountdown, CreateGoalless, Start, Pause, Reset, ResetAll, Delete, EditGoal, EditDuration, Settings }

    /// <summary>A step, taken on the phone or on the laptop.</summary>
    internal sealed record Step(long GapMs, Op Op, int Pick, int Arg, int Arg2, bool Repeat, bool Phone)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"+{GapMs}ms {(Phone ? "phone" : "laptop")} {Op}(pick {Pick}, {Arg}, {Arg2}){(Repeat ? " x2" : "")}");
    }

    /// <summary>The steps, and the stretch of them [<see cref="OfflineFrom"/>, <see cref="OfflineTo"/>) when the phone is offline.</summary>
    internal sealed record Scenario(
        string TimeZone, LocalTime ResetTime, bool SingleRunning, long StartMs, bool ChangesSettings, Step[] Steps, long TailMs,
        int OfflineFrom, int OfflineTo)
    {
        public long EndMs => StartMs + Steps.Sum(s => s.GapMs) + TailMs;

        /// <summary>
        /// Each step with the instant it was taken and the instant it reaches the server, in the order it does. Timed,
        /// the phone's steps in the offline stretch reach it together, just before the first step after the stretch
        /// (or at the end); a settings change, which takes no instant, is made on the laptop.
        /// </summary>
        public IEnumerable<(Step Step, long ActedMs, long DeliveredMs)> Deliveries(bool timed)
        {
            var acted = new long[Steps.Length];
            var at = StartMs;
            for (var i = 0; i < Steps.Length; i++)
            {
                acted[i] = at += Steps[i].GapMs;
            }

            var backMs = OfflineTo < Steps.Length ? acted[OfflineTo] : EndMs;
            bool Queued(int i) => timed && Steps[i] is { Phone: true, Op: not Op.Settings } && i >= OfflineFrom && i < OfflineTo;
            return Steps.Select((step, i) => (Step: step, ActedMs: acted[i], DeliveredMs: Queued(i) ? backMs : acted[i], Index: i))
                .OrderBy(d => d.DeliveredMs).ThenBy(d => d.Index)
                .Select(d => (d.Step, d.ActedMs, d.DeliveredMs));
        }

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture,
                $"{TimeZone} reset {ResetTime:HH:mm} single={SingleRunning} from {Instant.FromUnixTimeMilliseconds(StartMs)} tail +{TailMs}ms"
                + $" phone offline for steps [{OfflineFrom}, {OfflineTo})\n  ")
            + string.Join("\n  ", Steps.Select(s => s.ToString()));
    }

    private sealed record Command(Op Kind, long? SessionId, int Arg, string? Zone, LocalTime? Reset, bool Repeatable)
    {
        /// <summary>The rules' floor of the command as a timed action.</summary>
        public long FloorMs(UserTimers user, Dictionary<long, SessionTimer> timers) => Kind switch
        {
            Op.CreateCountdown or Op.CreateGoalless => TimerRules.FloorMs(user),
            Op.Start => TimerRules.StartFloorMs(user, timers[SessionId!.Value]),
            Op.ResetAll => TimerRules.ResetAllFloorMs(user),
            _ => TimerRules.FloorMs(user, timers[SessionId!.Value]),
        };

        public void Apply(UserTimers user, Dictionary<long, SessionTimer> timers, RefModel model, long now, Outcome outcome)
        {
            switch (Kind)
            {
                case Op.CreateCountdown:
                case Op.CreateGoalless:
                    var id = timers.Count + 1;
                    int? duration = Kind == Op.CreateCountdown ? Arg : null;
                    int? goal = Kind == Op.CreateCountdown ? 1 + (Arg % 600) : null;
                    timers[id] = new SessionTimer { Id = id, NoGoal = duration is null };
                    TimerRules.Create(user, timers[id], duration, goal, now, outcome);
                    model.Create(id, duration);
                    return;
                default:
                    ApplyToRules(user, timers, now, outcome);
                    ApplyToModel(model, now);
                    return;
            }
        }

        public void ApplyToRules(UserTimers user, Dictionary<long, SessionTimer> timers, long now, Outcome outcome)
        {
            var s = SessionId is { } id ? timers[id] : null;
            switch (Kind)
            {
                case Op.Start: TimerRules.Start(user, s!, now, outcome); break;
                case Op.Pause: TimerRules.Pause(user, s!, now, outcome); break;
                case Op.Reset: TimerRules.Reset(user, s!, now, outcome); break;
                case Op.ResetAll: TimerRules.ResetAll(user, now, outcome); break;
                case Op.Delete: TimerRules.Delete(user, s!, now, outcome); break;
                case Op.EditGoal: TimerRules.Edit(user, s!, new SessionEdit(DailyGoalMinutes: Arg), now, outcome); break;
                case Op.EditDuration: TimerRules.Edit(user, s!, new SessionEdit(InitialDurationSec: Arg), now, outcome); break;
                case Op.Settings:
                    TimerRules.ChangeSettings(
                        user, user.Clock.Settings with { Zone = DateTimeZoneProviders.Tzdb[Zone!], ResetTime = Reset!.Value }, now, outcome);
                    break;
                default: throw new InvalidOperationException(Kind.ToString());
            }
        }

        private void ApplyToModel(RefModel model, long now)
        {
            var id = SessionId ?? 0;
            switch (Kind)
            {
                case Op.Start: model.Start(id, now); break;
                case Op.Pause: model.Pause(id, now); break;
                case Op.Reset: model.Reset(id, now); break;
                case Op.ResetAll: model.ResetAll(now); break;
                case Op.Delete: model.Delete(id, now); break;
                case Op.EditGoal: break;
                case Op.EditDuration: model.EditDuration(id, Arg, now); break;
                case Op.Settings: model.ChangeSettings(Zone!, Reset!.Value, now); break;
                default: throw new InvalidOperationException(Kind.ToString());
            }
        }
    }

    /// <summary>Turns a generated step into a command valid for the present sessions (the API would 404 the rest).</summary>
    private static Command? Resolve(Step step, RefModel model, Dictionary<long, SessionTimer> timers, UserTimers user)
    {
        var live = model.Sessions.Where(kv => !kv.Value.Deleted).Select(kv => kv.Key).Order().ToList();
        var countdowns = live.Where(id => !model.Sessions[id].NoGoal).ToList();
        long Pick(List<long> ids) => ids[step.Pick % ids.Count];

        switch (step.Op)
        {
            case Op.CreateCountdown or Op.CreateGoalless:
                return timers.Count >= 6 ? null : new Command(step.Op, null, step.Arg, null, null, false);
            case Op.Start or Op.Pause or Op.Reset or Op.Delete:
                return live.Count == 0 ? null : new Command(step.Op, Pick(live), 0, null, null, step.Op != Op.Delete);
            case Op.ResetAll:
                return new Command(step.Op, null, 0, null, null, true);
            case Op.EditGoal:
                return countdowns.Count == 0 ? null : new Command(step.Op, Pick(countdowns), 1 + (step.Arg % 600), null, null, true);
            case Op.EditDuration:
                return countdowns.Count == 0 ? null : new Command(step.Op, Pick(countdowns), step.Arg, null, null, true);
            case Op.Settings:
                var zone = step.Arg2 % 3 == 0 ? Scenarios.Zones[step.Arg2 % Scenarios.Zones.Length] : user.Clock.Settings.Zone.Id;
                return new Command(step.Op, null, 0, zone, Scenarios.ResetTimes[step.Arg % Scenarios.ResetTimes.Length], true);
            default:
                throw new InvalidOperationException(step.Op.ToString());
        }
    }

    // ---- generators ----

    private static class Scenarios
    {
        public static readonly string[] Zones = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"];

        public static readonly LocalTime[] ResetTimes =
        [
            new(0, 0), new(0, 30), new(1, 0), new(1, 30), new(1, 45), new(2, 0), new(2, 15), new(2, 30),
            new(3, 0), new(4, 0), new(12, 0), new(23, 30), new(23, 59),
        ];

        /// <summary>2026's DST changes in the zones above (US, EU, Lord Howe) and a quiet day.</summary>
        private static readonly long[] DstDays =
        [
            TimerTestKit.Utc(2026, 3, 8), TimerTestKit.Utc(2026, 3, 29), TimerTestKit.Utc(2026, 4, 4),
            TimerTestKit.Utc(2026, 10, 3), TimerTestKit.Utc(2026, 10, 25), TimerTestKit.Utc(2026, 11, 1),
            TimerTestKit.Utc(2026, 6, 15),
        ];

        private static readonly Gen<long> Gap = Gen.Frequency(
            (2, Gen.Constant(0L)),
            (4, Gen.Choose(0, 600_000).Select(x => (long)x)),
            (3, Gen.Choose(0, 3 * 3_600_000).Select(x => (long)x)),
            (2, Gen.Choose(0, 30 * 3_600_000).Select(x => (long)x)));

        private static readonly Gen<int> Duration = Gen.OneOf(
            Gen.Elements(1, 5, 60, 600, 1500, 3600, 7200, 36000),
            Gen.Choose(1, 20_000));

        private static readonly Gen<Op> Ops = Gen.Frequency(
            (2, Gen.Constant(Op.CreateCountdown)),
            (1, Gen.Constant(Op.CreateGoalless)),
            (6, Gen.Constant(Op.Start)),
            (4, Gen.Constant(Op.Pause)),
            (2, Gen.Constant(Op.Reset)),
            (1, Gen.Constant(Op.ResetAll)),
            (1, Gen.Constant(Op.Delete)),
            (1, Gen.Constant(Op.EditGoal)),
            (2, Gen.Constant(Op.EditDuration)));

        private static Gen<Step> StepGen(bool settings) =>
            from gap in Gap
            from op in settings ? Gen.Frequency((12, Ops), (1, Gen.Constant(Op.Settings))) : Ops
            from pick in Gen.Choose(0, 100)
            from arg in Duration
            from arg2 in Gen.Choose(0, 100)
            from repeat in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
            from phone in Gen.Elements(true, false)
            select new Step(gap, op, pick, arg, arg2, repeat, phone);

        public static readonly Arbitrary<Scenario> Arbitrary = Arb.From(
            from zone in Gen.Elements(Zones)
            from reset in Gen.OneOf(Gen.Elements(ResetTimes), Gen.Choose(0, 1439).Select(m => new LocalTime(m / 60, m % 60)))
            from single in Gen.Elements(true, false)
            from day in Gen.Elements(DstDays)
            from offset in Gen.Choose(0, 48 * 3600)
            from ms in Gen.Choose(0, 999)
            from settings in Gen.Elements(true, false)
            from count in Gen.Choose(0, 40)
            from steps in StepGen(settings).ArrayOf(count)
            from tail in Gap
            from offlineFrom in Gen.Choose(0, count)
            from offlineLength in Gen.Choose(0, count)
            select new Scenario(
                zone, reset, single, day - 86_400_000L + offset * 1000L + ms, settings, steps, tail, offlineFrom, offlineFrom + offlineLength));
    }

    // ---- the reference model ----

    /// <summary>User-days from SPEC section 2, computed with NodaTime's raw zone mappings.</summary>
    private sealed class RefDays
    {
        public RefDays(string zone, LocalTime reset, long nowMs)
        {
            Zone = zone;
            Reset = reset;
            Day = DayOf(zone, reset, nowMs);
            EndMs = ResetMs(zone, reset, Day.PlusDays(1));
        }

        public string Zone { get; private set; }
        public LocalTime Reset { get; private set; }
        public LocalDate Day { get; private set; }
        public long EndMs { get; private set; }

        /// <summary>The reset instant on a date: after a gap if skipped, the earlier if repeated.</summary>
        public static long ResetMs(string zone, LocalTime reset, LocalDate date)
        {
            var mapping = DateTimeZoneProviders.Tzdb[zone].MapLocal(date.At(reset));
            var instant = mapping.Count == 0 ? mapping.LateInterval.Start : mapping.First().ToInstant();
            return instant.ToUnixTimeMilliseconds();
        }

        /// <summary>The day D with reset(D) &lt;= t &lt; reset(D + 1).</summary>
        public static LocalDate DayOf(string zone, LocalTime reset, long ms)
        {
            var local = Instant.FromUnixTimeMilliseconds(ms).InZone(DateTimeZoneProviders.Tzdb[zone]).Date;
            for (var d = local.PlusDays(1); d >= local.PlusDays(-2); d = d.PlusDays(-1))
            {
                if (ResetMs(zone, reset, d) <= ms)
                {
                    Assert.True(ms < ResetMs(zone, reset, d.PlusDays(1)), "no day holds the instant");
                    return d;
                }
            }

            throw new InvalidOperationException("no day holds the instant");
        }

        public void Advance()
        {
            Day = Day.PlusDays(1);
            EndMs = Math.Max(EndMs, ResetMs(Zone, Reset, Day.PlusDays(1)));
        }

        public void Change(string zone, LocalTime reset, long nowMs)
        {
            Zone = zone;
            Reset = reset;
            EndMs = Math.Max(nowMs, ResetMs(zone, reset, Day.PlusDays(1)));
        }
    }

    private sealed class RefSession(bool noGoal, long? durationMs)
    {
        public bool NoGoal { get; } = noGoal;
        public long? DurationMs { get; set; } = durationMs;

        /// <summary>Countdown ms left at <see cref="From"/> (or now, when paused).</summary>
        public long? LeftMs { get; set; } = durationMs;

        public long? From { get; set; }
        public bool Completed { get; set; }
        public bool Deleted { get; set; }
        public List<(long From, long To, LocalDate Day)> Runs { get; } = [];

        public long? TargetMs => From is { } from && LeftMs is { } left ? from + left : null;

        public long? LeftAt(long now) => LeftMs is not { } left ? null : From is { } from ? Math.Max(0, left - (now - from)) : left;
    }

    private sealed class RefModel(RefDays days, bool singleRunning)
    {
        public RefDays Days { get; } = days;
        public SortedDictionary<long, RefSession> Sessions { get; } = [];

        private IEnumerable<RefSession> Live => Sessions.Values.Where(s => !s.Deleted);

        public void Create(long id, int? durationSec) => Sessions[id] = new RefSession(durationSec is null, durationSec * 1000L);

        public void AdvanceTo(long now)
        {
            while (true)
            {
                var due = Live.Where(s => s.TargetMs is not null).OrderBy(s => s.TargetMs).FirstOrDefault();
                if (due is { TargetMs: { } target } && target <= now && target <= Days.EndMs)
                {
                    Stop(due, target);
                    due.Completed = true;
                }
                else if (Days.EndMs <= now)
                {
                    foreach (var s in Live)
                    {
                        Stop(s, Days.EndMs);
                        s.LeftMs = s.DurationMs;
                        s.Completed = false;
                    }

                    Days.Advance();
                }
                else
                {
                    return;
                }
            }
        }

        public void Start(long id, long now)
        {
            var s = Sessions[id];
            if (s.From is not null)
            {
                return;
            }

            if (singleRunning)
            {
                foreach (var other in Live.Where(o => o.From is not null))
                {
                    Stop(other, now);
                }
            }

            if (s.Completed)
            {
                s.LeftMs = s.DurationMs;
                s.Completed = false;
            }

            s.From = now;
        }

        public void Pause(long id, long now) => Stop(Sessions[id], now);

        public void Reset(long id, long now)
        {
            var s = Sessions[id];
            Stop(s, now);
            s.LeftMs = s.DurationMs;
            s.Completed = false;
        }

        public void ResetAll(long now)
        {
            foreach (var id in Sessions.Where(kv => !kv.Value.Deleted).Select(kv => kv.Key).ToList())
            {
                Reset(id, now);
            }
        }

        public void Delete(long id, long now)
        {
            Stop(Sessions[id], now);
            Sessions[id].Deleted = true;
        }

        public void EditDuration(long id, int durationSec, long now)
        {
            var s = Sessions[id];
            var newMs = durationSec * 1000L;
            if (newMs == s.DurationMs)
            {
                return;
            }

            var elapsed = s.DurationMs!.Value - s.LeftAt(now)!.Value;
            s.DurationMs = newMs;
            var left = newMs - elapsed;
            if (left <= 0)
            {
                Stop(s, now);
                s.LeftMs = 0;
                s.Completed = true;
            }
            else
            {
                // A run goes on through the edit: keep its start and what was left then.
                s.LeftMs = s.From is { } from ? left + (now - from) : left;
                s.Completed = false;
            }
        }

        public void ChangeSettings(string zone, LocalTime reset, long now)
        {
            if (zone != Days.Zone || reset != Days.Reset)
            {
                Days.Change(zone, reset, now);
            }

            AdvanceTo(now);
        }

        private void Stop(RefSession s, long now)
        {
            if (s.From is not { } from)
            {
                return;
            }

            s.Runs.Add((from, now, Days.Day));
            s.LeftMs = s.LeftAt(now);
            s.From = null;
        }
    }
}
