using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FocusSync.Timekeeping;
using NodaTime;
using NodaTime.Text;

namespace FocusSync.Tests.Timekeeping;

/// <summary>Replays every case of the shared time-keeping vectors through the rules.</summary>
public sealed class TimekeepingVectorTests
{
    private static readonly JsonArray Vectors = (JsonArray)JsonNode.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "timekeeping.json")))!["vectors"]!;

    public static TheoryData<string> VectorNames() => [.. Vectors.Select(v => (string)v!["name"]!)];

    [Fact]
    public void TheVectorFileHoldsEveryCase() => Assert.Equal(59, Vectors.Count);

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void ReplayingTheCaseGivesTheExpectedStateAndCredits(string name) => Replay(name, late: false);

    /// <summary>
    /// Each step as a timed action (SPEC section 7) that a client queued at its instant and delivered only at the next
    /// step's (a settings change, which takes no <c>at</c>, at its own): nothing committed in between comes after the
    /// step's instant, so each applies exactly then, and the case ends as the vector says.
    /// </summary>
    [Theory]
    [MemberData(nameof(VectorNames))]
    public void ReplayingTheCaseAsActionsDeliveredLateAppliesEachAtItsInstantWithTheSameStateAndCredits(string name) =>
        Replay(name, late: true);

    private static void Replay(string name, bool late)
    {
        var vector = Vectors.Single(v => (string)v!["name"]! == name)!;
        var steps = vector["steps"]!.AsArray();
        var settings = vector["user"]!;
        var book = new CreditBook();
        var user = new UserTimers(
            UserClock.Create(
                UserSettings.Default with
                {
                    Zone = Zone((string)settings["timeZone"]!),
                    ResetTime = Time((string)settings["resetTime"]!),
                    SingleRunning = (bool?)settings["singleRunning"] ?? true,
                },
                Ms(steps[0]!["at"]!)),
            []);
        var keys = new Dictionary<string, SessionTimer>();

        var end = Ms(vector["end"]!);
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i]!;
            var at = Ms(step["at"]!);
            var action = (string)step["do"]!;
            var deliveredMs = late && action != "settings" ? (i + 1 < steps.Count ? Ms(steps[i + 1]!["at"]!) : end) : at;
            var outcome = new Outcome();
            var session = step["session"] is { } key && keys.TryGetValue((string)key!, out var found) ? found : null;
            var floorMs = action switch
            {
                "create" or "settings" => TimerRules.FloorMs(user),
                "start" => TimerRules.StartFloorMs(user, session!),
                "resetAll" => TimerRules.ResetAllFloorMs(user),
                _ => TimerRules.FloorMs(user, session!),
            };
            var now = TimerRules.AppliedAtMs(deliveredMs, at, floorMs);
            Assert.True(now == at, $"step {i} ({action}) applied at {now}, not at its instant {at}");
            TimerRules.CatchUp(user, now, outcome);
            switch (action)
            {
                case "create":
                    var noGoal = (bool?)step["noGoal"] ?? false;
                    var created = new SessionTimer { Id = keys.Count + 1, NoGoal = noGoal };
                    TimerRules.Create(
                        user, created, noGoal ? null : (int)step["initialDuration"]!,
                        noGoal ? null : (int)step["dailyGoalMinutes"]!, now, outcome);
                    keys[(string)step["session"]!] = created;
                    break;
                case "start":
                    TimerRules.Start(user, session!, now, outcome);
                    break;
                case "pause":
                    TimerRules.Pause(user, session!, now, outcome);
                    break;
                case "reset":
                    TimerRules.Reset(user, session!, now, outcome);
                    break;
                case "resetAll":
                    TimerRules.ResetAll(user, now, outcome);
                    break;
                case "delete":
                    TimerRules.Delete(user, session!, now, outcome);
                    break;
                case "edit":
                    TimerRules.Edit(
                        user, session!, new SessionEdit(DailyGoalMinutes: (int?)step["dailyGoalMinutes"], InitialDurationSec: (int?)step["initialDuration"]),
                        now, outcome);
                    break;
                case "settings":
                    TimerRules.ChangeSettings(
                        user,
                        user.Clock.Settings with
                        {
                            Zone = step["timeZone"] is { } zone ? Zone((string)zone!) : user.Clock.Settings.Zone,
                            ResetTime = step["resetTime"] is { } reset ? Time((string)reset!) : user.Clock.Settings.ResetTime,
                        },
                        now, outcome);
                    break;
                default:
                    throw new InvalidOperationException($"unknown step {step["do"]}");
            }

            TimerRules.CatchUp(user, deliveredMs, outcome);
            book.Add(outcome);
        }

        var last = new Outcome();
        TimerRules.CatchUp(user, end, last);
        book.Add(last);

        var expect = vector["expect"]!;
        Assert.Equal((string)expect["userDay"]!, Date(user.Clock.Day));
        foreach (var expected in expect["sessions"]!.AsArray())
        {
            var session = keys[(string)expected!["session"]!];
            var label = $"session {expected["session"]}";
            Assert.True((string)expected["state"]! == (session.IsRunning ? "RUNNING" : "PAUSED"), $"{label} state");
            Assert.True((bool)expected["isCompleted"]! == session.IsCompleted, $"{label} isCompleted");
            Assert.True((bool)expected["deleted"]! == session.Deleted, $"{label} deleted");
            Assert.Equal(((long?)expected["timeLeftMs"], label), (session.TimeLeftAt(end), label));
            Assert.Equal(((long)expected["focusMs"]!, label), (session.FocusAt(end), label));

            var running = session.RunStartedAtMs is { } started ? end - started : 0;
            var actualDaily = book.Rows(session.Id)
                .Select(r => (r.Day == user.Clock.Day ? r.Ms + running : r.Ms, r))
                .Where(r => r.Item1 > 0)
                .Select(r => $"{Date(r.r.Day)} {r.Item1} {r.r.GoalMinutes?.ToString(CultureInfo.InvariantCulture) ?? "null"}");
            if (running > 0 && !book.Rows(session.Id).Any(r => r.Day == user.Clock.Day))
            {
                actualDaily = actualDaily.Append($"{Date(user.Clock.Day)} {running} {session.DailyGoalMinutes?.ToString(CultureInfo.InvariantCulture) ?? "null"}");
            }

            var expectedDaily = expected["daily"]!.AsArray()
                .Select(d => $"{d!["date"]} {d["ms"]} {d["goalMinutes"]?.ToJsonString() ?? "null"}");
            Assert.Equal(string.Join("\n", expectedDaily), string.Join("\n", actualDaily));
        }
    }

    private static long Ms(JsonNode at) =>
        DateTimeOffset.Parse((string)at!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static DateTimeZone Zone(string id) => DateTimeZoneProviders.Tzdb[id];

    private static LocalTime Time(string text) => LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(text).Value;

    private static string Date(LocalDate date) => LocalDatePattern.Iso.Format(date);

    /// <summary>TaskDailyTime as the database keeps it: milliseconds summed per session and day, last goal wins.</summary>
    private sealed class CreditBook
    {
        private readonly SortedDictionary<(long Session, LocalDate Day), (long Ms, int? Goal)> _rows = [];

        public void Add(Outcome outcome)
        {
            foreach (var credit in outcome.Credits)
            {
                var key = (credit.SessionId, credit.Day);
                var ms = _rows.TryGetValue(key, out var row) ? row.Ms : 0;
                _rows[key] = (ms + credit.Ms, credit.GoalMinutes);
            }
        }

        public IEnumerable<(LocalDate Day, long Ms, int? GoalMinutes)> Rows(long sessionId) =>
            _rows.Where(r => r.Key.Session == sessionId).Select(r => (r.Key.Day, r.Value.Ms, r.Value.Goal));
    }
}
