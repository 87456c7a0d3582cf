import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Outcome, SessionTimer, TimerRules, UserClock, UserTimers, defaultSettings, type Credit } from '../src/index.js';

// The same file the service's TimekeepingVectorTests read: two implementations, one contract.
const vectorFile = new URL('../../../tests/FocusSync.Tests/Vectors/timekeeping.json', import.meta.url);

interface Step {
  at: string;
  do: string;
  session?: string;
  noGoal?: boolean;
  initialDuration?: number;
  dailyGoalMinutes?: number;
  timeZone?: string;
  resetTime?: string;
}

interface Vector {
  name: string;
  user: { timeZone: string; resetTime: string; singleRunning?: boolean };
  steps: Step[];
  end: string;
  expect: {
    userDay: string;
    sessions: {
      session: string;
      state: string;
      isCompleted: boolean;
      deleted: boolean;
      timeLeftMs: number | null;
      focusMs: number;
      daily: { date: string; ms: number; goalMinutes: number | null }[];
    }[];
  };
}

const vectors = (JSON.parse(readFileSync(vectorFile, 'utf8')) as { vectors: Vector[] }).vectors;
const ms = (at: string): number => Date.parse(at);

/** TaskDailyTime as the database keeps it: milliseconds summed per session and day, the last goal wins. */
class CreditBook {
  private readonly rows = new Map<string, { sessionId: number; day: string; ms: number; goal: number | null }>();

  add(credits: readonly Credit[]): void {
    for (const credit of credits) {
      const key = `${credit.sessionId} ${credit.day}`;
      const row = this.rows.get(key);
      this.rows.set(key, { sessionId: credit.sessionId, day: credit.day, ms: (row?.ms ?? 0) + credit.ms, goal: credit.goalMinutes });
    }
  }

  days(sessionId: number): { day: string; ms: number; goal: number | null }[] {
    return [...this.rows.values()].filter((r) => r.sessionId === sessionId).sort((a, b) => a.day.localeCompare(b.day));
  }
}

function replay(vector: Vector, late: boolean): void {
  const steps = vector.steps;
  const end = ms(vector.end);
  const book = new CreditBook();
  const settings = {
    ...defaultSettings,
    timeZone: vector.user.timeZone,
    resetTime: vector.user.resetTime,
    singleRunning: vector.user.singleRunning ?? true,
  };
  const user = new UserTimers(UserClock.create(settings, ms(steps[0]!.at)), []);
  const keys = new Map<string, SessionTimer>();

  steps.forEach((step, i) => {
    const at = ms(step.at);
    const deliveredMs = late && step.do !== 'settings' ? (i + 1 < steps.length ? ms(steps[i + 1]!.at) : end) : at;
    const outcome = new Outcome();
    const session = step.session === undefined ? undefined : keys.get(step.session);
    const need = (): SessionTimer => {
      if (session === undefined) throw new Error(`step ${i}: unknown session ${step.session}`);
      return session;
    };
    const floorMs =
      step.do === 'create' || step.do === 'settings'
        ? TimerRules.floorMs(user)
        : step.do === 'start'
          ? TimerRules.startFloorMs(user, need())
          : step.do === 'resetAll'
            ? TimerRules.resetAllFloorMs(user)
            : TimerRules.floorMs(user, need());
    const now = TimerRules.appliedAtMs(deliveredMs, at, floorMs);
    expect(now, `step ${i} (${step.do}) applied at its instant`).toBe(at);
    TimerRules.catchUp(user, now, outcome);
    switch (step.do) {
      case 'create': {
        const noGoal = step.noGoal ?? false;
        const created = new SessionTimer(keys.size + 1, noGoal);
        TimerRules.create(user, created, noGoal ? null : step.initialDuration!, noGoal ? null : step.dailyGoalMinutes!, now, outcome);
        keys.set(step.session!, created);
        break;
      }
      case 'start':
        TimerRules.start(user, need(), now, outcome);
        break;
      case 'pause':
        TimerRules.pause(user, need(), now, outcome);
        break;
      case 'reset':
        TimerRules.reset(user, need(), now, outcome);
        break;
      case 'resetAll':
        TimerRules.resetAll(user, now, outcome);
        break;
      case 'delete':
        TimerRules.delete(user, need(), now, outcome);
        break;
      case 'edit':
        TimerRules.edit(
          user,
          need(),
          {
            ...(step.dailyGoalMinutes === undefined ? {} : { dailyGoalMinutes: step.dailyGoalMinutes }),
            ...(step.initialDuration === undefined ? {} : { initialDurationSec: step.initialDuration }),
          },
          now,
          outcome,
        );
        break;
      case 'settings':
        TimerRules.changeSettings(
          user,
          {
            ...user.clock.settings,
            timeZone: step.timeZone ?? user.clock.settings.timeZone,
            resetTime: step.resetTime ?? user.clock.settings.resetTime,
          },
          now,
          outcome,
        );
        break;
      default:
        throw new Error(`unknown step ${step.do}`);
    }
    TimerRules.catchUp(user, deliveredMs, outcome);
    book.add(outcome.credits);
  });

  const last = new Outcome();
  TimerRules.catchUp(user, end, last);
  book.add(last.credits);

  expect(user.clock.day, 'userDay').toBe(vector.expect.userDay);
  for (const expected of vector.expect.sessions) {
    const session = keys.get(expected.session)!;
    const label = `session ${expected.session}`;
    expect(session.isRunning ? 'RUNNING' : 'PAUSED', `${label} state`).toBe(expected.state);
    expect(session.isCompleted, `${label} isCompleted`).toBe(expected.isCompleted);
    expect(session.deleted, `${label} deleted`).toBe(expected.deleted);
    expect(session.timeLeftAt(end), `${label} timeLeftMs`).toBe(expected.timeLeftMs);
    expect(session.focusAt(end), `${label} focusMs`).toBe(expected.focusMs);

    const running = session.runStartedAtMs !== null ? end - session.runStartedAtMs : 0;
    const rows = book.days(session.id);
    const actual = rows.map((r) => ({ date: r.day, ms: r.day === user.clock.day ? r.ms + running : r.ms, goalMinutes: r.goal }));
    if (running > 0 && !rows.some((r) => r.day === user.clock.day)) {
      actual.push({ date: user.clock.day, ms: running, goalMinutes: session.dailyGoalMinutes });
    }
    expect(
      actual.filter((r) => r.ms > 0),
      `${label} daily`,
    ).toEqual(expected.daily);
  }
}

describe('the shared time-keeping vectors', () => {
  it('the vector file holds every case', () => {
    expect(vectors).toHaveLength(59);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('replaying "%s" gives the expected state and credits', (_, vector) =>
    replay(vector, false),
  );

  it.each(vectors.map((v) => [v.name, v] as const))(
    'replaying "%s" as actions delivered late applies each at its instant with the same state and credits',
    (_, vector) => replay(vector, true),
  );
});
