import { Outcome, type ChangeType } from './outcome.js';
import { SessionTimer } from './sessionTimer.js';
import { sameSettings, type UserClock, type UserSettings } from './userClock.js';

/** A user's clock and live sessions: the state the timer rules work on. */
export class UserTimers {
  /** When the user last reset all sessions (0: never). */
  resetAllAtMs = 0;
  /** When any session of the user last started or stopped running (0: never). */
  runChangedAtMs = 0;

  constructor(
    readonly clock: UserClock,
    readonly sessions: SessionTimer[],
  ) {}

  /** The sessions not deleted. */
  liveSessions(): SessionTimer[] {
    return this.sessions.filter((s) => !s.deleted);
  }
}

/** An edit of a session (SPEC section 3, edit): each field undefined when it stays as it is; `groupId: null` ungroups. */
export interface SessionEdit {
  readonly title?: string;
  readonly groupId?: number | null;
  readonly dailyGoalMinutes?: number;
  readonly initialDurationSec?: number;
}

const countdownMs = (session: SessionTimer): number | null =>
  session.initialDurationSec === null ? null : session.initialDurationSec * 1000;

/**
 * The rules of SPEC section 3, ported from the service's TimerRules with the same names and the same order of
 * steps, so that a client's optimistic update is what the service will do. Every command first catches up with
 * whatever fell due (completions, user-day boundaries).
 */
export const TimerRules = {
  /** Performs, in time order, each completion and auto-reset due at or before now. */
  catchUp(user: UserTimers, nowMs: number, outcome: Outcome): void {
    for (;;) {
      let completing: SessionTimer | null = null;
      let target = Infinity;
      for (const s of user.liveSessions()) {
        if (s.targetMs !== null && s.targetMs < target) {
          completing = s;
          target = s.targetMs;
        }
      }
      const boundary = user.clock.dayEndMs;
      if (completing !== null && target <= nowMs && target <= boundary) {
        complete(user, completing, target, outcome);
      } else if (boundary <= nowMs) {
        autoReset(user, boundary, outcome);
      } else {
        return;
      }
    }
  },

  /** The instant a timed command applies at: its `at`, never before `floorMs` nor after now (SPEC section 7). */
  appliedAtMs(nowMs: number, atMs: number | null, floorMs: number): number {
    return Math.min(nowMs, Math.max(atMs ?? nowMs, floorMs));
  },

  /** The floor of a command on no existing session: the last boundary performed, reset-all and settings change. */
  floorMs(user: UserTimers, session?: SessionTimer): number {
    const clock = user.clock;
    const userFloor = Math.max(clock.dayStartMs, clock.settingsChangedAtMs, user.resetAllAtMs);
    return session === undefined ? userFloor : Math.max(userFloor, session.changedAtMs);
  },

  /** The floor of a start: with `singleRunning` also every running session's last change and the last start or stop. */
  startFloorMs(user: UserTimers, session: SessionTimer): number {
    const own = TimerRules.floorMs(user, session);
    if (!user.clock.settings.singleRunning) return own;
    return Math.max(own, user.runChangedAtMs, ...user.liveSessions().filter((s) => s.isRunning).map((s) => s.changedAtMs));
  },

  /** The floor of a reset-all: it changes every live session, so it follows each one's last change. */
  resetAllFloorMs(user: UserTimers): number {
    return Math.max(TimerRules.floorMs(user), ...user.liveSessions().map((s) => s.changedAtMs));
  },

  /** Starts keeping a new session: a countdown with a daily goal or, when goalless, a stopwatch. */
  create(
    user: UserTimers,
    session: SessionTimer,
    initialDurationSec: number | null,
    dailyGoalMinutes: number | null,
    nowMs: number,
    outcome: Outcome,
  ): void {
    session.initialDurationSec = initialDurationSec;
    session.dailyGoalMinutes = dailyGoalMinutes;
    session.timeLeftMs = countdownMs(session);
    session.version = 1;
    session.changedAtMs = nowMs;
    user.sessions.push(session);
    recordGoal(user, session, outcome);
    outcome.changes.push({ type: 'addSession', atMs: nowMs, sessions: [session.snapshot()] });
  },

  start(user: UserTimers, session: SessionTimer, nowMs: number, outcome: Outcome): void {
    if (session.isRunning) return;
    if (user.clock.settings.singleRunning) {
      for (const other of user.liveSessions().filter((s) => s.isRunning)) TimerRules.pause(user, other, nowMs, outcome);
    }
    if (!session.noGoal) {
      if (session.isCompleted) {
        session.timeLeftMs = session.fullCountdownMs;
        session.isCompleted = false;
      }
      session.targetMs = nowMs + (session.timeLeftMs ?? 0);
    }
    session.runStartedAtMs = nowMs;
    user.runChangedAtMs = Math.max(user.runChangedAtMs, nowMs);
    changed(session, 'start', nowMs, outcome);
  },

  pause(user: UserTimers, session: SessionTimer, nowMs: number, outcome: Outcome): void {
    if (!session.isRunning) return;
    stopRun(user, session, nowMs, outcome);
    changed(session, 'pause', nowMs, outcome);
  },

  reset(user: UserTimers, session: SessionTimer, nowMs: number, outcome: Outcome): void {
    if (resetTimer(user, session, nowMs, outcome)) changed(session, 'resetSession', nowMs, outcome);
  },

  resetAll(user: UserTimers, nowMs: number, outcome: Outcome): void {
    const live = user.liveSessions();
    const touched = live.filter((s) => resetTimer(user, s, nowMs, outcome));
    if (touched.length === 0) return;
    touched.forEach((s) => touch(s, nowMs));
    user.resetAllAtMs = Math.max(user.resetAllAtMs, nowMs);
    outcome.changes.push({ type: 'resetAll', atMs: nowMs, sessions: live.map((s) => s.snapshot()) });
  },

  delete(user: UserTimers, session: SessionTimer, nowMs: number, outcome: Outcome): void {
    stopRun(user, session, nowMs, outcome);
    session.deletedAtMs = nowMs;
    changed(session, 'deleteSession', nowMs, outcome);
  },

  /** Edits a session: one change when anything differs; a duration at or below the time run completes it now. */
  edit(user: UserTimers, session: SessionTimer, edit: SessionEdit, nowMs: number, outcome: Outcome): void {
    const groupId = edit.groupId === undefined ? session.groupId : edit.groupId;
    let isChanged = (edit.title !== undefined && edit.title !== session.title) || groupId !== session.groupId;
    session.title = edit.title ?? session.title;
    session.groupId = groupId;
    if (edit.dailyGoalMinutes !== undefined && edit.dailyGoalMinutes !== session.dailyGoalMinutes) {
      session.dailyGoalMinutes = edit.dailyGoalMinutes;
      recordGoal(user, session, outcome);
      isChanged = true;
    }
    let completes = false;
    if (edit.initialDurationSec !== undefined && edit.initialDurationSec !== session.initialDurationSec) {
      const elapsed = session.fullCountdownMs - (session.timeLeftAt(nowMs) ?? 0);
      session.initialDurationSec = edit.initialDurationSec;
      const left = session.fullCountdownMs - elapsed;
      if (left <= 0) {
        stopRun(user, session, nowMs, outcome);
        session.timeLeftMs = 0;
        completes = !session.isCompleted;
        session.isCompleted = true;
      } else {
        session.timeLeftMs = left;
        session.targetMs = session.isRunning ? nowMs + left : null;
        session.isCompleted = false;
      }
      isChanged = true;
    }
    if (isChanged) changed(session, 'editSession', nowMs, outcome);
    if (completes) changed(session, 'complete', nowMs, outcome);
  },

  /** Changes the user's settings: a new zone or reset time moves the end of today, and what that brings due happens at once. */
  changeSettings(user: UserTimers, settings: UserSettings, nowMs: number, outcome: Outcome): void {
    if (sameSettings(settings, user.clock.settings)) return;
    user.clock.changeSettings(settings, nowMs);
    outcome.changes.push({ type: 'autoResetTimeChange', atMs: nowMs, sessions: [] });
    TimerRules.catchUp(user, nowMs, outcome);
  },
};

function complete(user: UserTimers, session: SessionTimer, targetMs: number, outcome: Outcome): void {
  stopRun(user, session, targetMs, outcome);
  session.timeLeftMs = 0;
  session.isCompleted = true;
  changed(session, 'complete', targetMs, outcome);
}

function autoReset(user: UserTimers, boundaryMs: number, outcome: Outcome): void {
  const live = user.liveSessions();
  for (const session of live) {
    resetTimer(user, session, boundaryMs, outcome);
    touch(session, boundaryMs);
  }
  user.sessions.forEach((s) => (s.focusMs = 0));
  user.clock.advanceDay();
  live.forEach((s) => recordGoal(user, s, outcome));
  outcome.changes.push({ type: 'autoReset', atMs: boundaryMs, sessions: live.map((s) => s.snapshot()) });
}

/** Credits a running session and stops it; returns whether the timer changed at all. */
function resetTimer(user: UserTimers, session: SessionTimer, nowMs: number, outcome: Outcome): boolean {
  const pristine = !session.isRunning && !session.isCompleted && session.timeLeftMs === countdownMs(session);
  stopRun(user, session, nowMs, outcome);
  session.timeLeftMs = countdownMs(session);
  session.isCompleted = false;
  return !pristine;
}

function stopRun(user: UserTimers, session: SessionTimer, nowMs: number, outcome: Outcome): void {
  const started = session.runStartedAtMs;
  if (started === null) return;
  // Catch-up pauses every run at the user-day boundary, so a run always lies within the current day.
  const ms = session.inRun(nowMs) - started;
  session.focusMs += ms;
  outcome.credits.push({ sessionId: session.id, day: user.clock.day, ms, goalMinutes: session.dailyGoalMinutes });
  session.timeLeftMs = session.timeLeftAt(nowMs);
  session.targetMs = null;
  session.runStartedAtMs = null;
  user.runChangedAtMs = Math.max(user.runChangedAtMs, nowMs);
}

function recordGoal(user: UserTimers, session: SessionTimer, outcome: Outcome): void {
  if (session.dailyGoalMinutes !== null) {
    outcome.credits.push({ sessionId: session.id, day: user.clock.day, ms: 0, goalMinutes: session.dailyGoalMinutes });
  }
}

function changed(session: SessionTimer, type: ChangeType, atMs: number, outcome: Outcome): void {
  touch(session, atMs);
  outcome.changes.push({ type, atMs, sessions: [session.snapshot()] });
}

/** A new version of the session; instants recorded for floors only move forward. */
function touch(session: SessionTimer, atMs: number): void {
  session.version++;
  session.changedAtMs = Math.max(session.changedAtMs, atMs);
}
