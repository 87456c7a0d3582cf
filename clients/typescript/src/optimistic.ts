import { Outcome } from './timekeeping/outcome.js';
import { SessionTimer } from './timekeeping/sessionTimer.js';
import { TimerRules, UserTimers } from './timekeeping/timerRules.js';
import { UserClock, defaultSettings, type UserSettings } from './timekeeping/userClock.js';
import type { CreateSession, EditSession, Session, SyncKind } from './types.js';

/** A session as the view keeps it: the service's fields, read at `asOfMs` on the server's clock. */
export interface LiveSession extends Session {
  readonly asOfMs: number;
}

/** What one action does to the view's sessions, worked out by the ported timer rules. */
export interface LocalChange {
  /** The sessions the action changed (a create's under its local id), as of the instant it applied at. */
  readonly changed: LiveSession[];
  /** The ids of the sessions it deleted. */
  readonly deleted: number[];
}

export interface LocalAction {
  readonly kind: SyncKind;
  readonly sessionId?: number;
  readonly localId?: number;
  readonly body?: CreateSession | EditSession;
}

/**
 * Applies an action to the view's sessions with the same rules the service runs, so that what the person sees at
 * once is what the service will answer: a start under `singleRunning` pauses the others, a countdown past its
 * target completes first, a shorter duration can complete a session.
 */
export function applyLocally(
  sessions: readonly LiveSession[],
  settings: UserSettings | null,
  action: LocalAction,
  nowMs: number,
): LocalChange {
  const timers = sessions.map(toTimer);
  const user = new UserTimers(UserClock.create(settings ?? defaultSettings, nowMs), timers);
  const outcome = new Outcome();
  TimerRules.catchUp(user, nowMs, outcome);
  const target = timers.find((t) => t.id === action.sessionId);
  switch (action.kind) {
    case 'create': {
      const body = action.body as CreateSession;
      const created = new SessionTimer(action.localId ?? 0, body.noGoal ?? false);
      created.title = body.title;
      created.groupId = body.groupId ?? null;
      TimerRules.create(user, created, body.initialDuration ?? null, body.dailyGoalMinutes ?? null, nowMs, outcome);
      break;
    }
    case 'resetAll':
      TimerRules.resetAll(user, nowMs, outcome);
      break;
    default:
      if (target !== undefined) onSession(user, target, action, nowMs, outcome);
  }

  const byId = new Map(sessions.map((s) => [s.id, s]));
  const changedIds = new Set(outcome.changes.flatMap((c) => c.sessions.map((s) => s.id)));
  const current = user.sessions.filter((t) => changedIds.has(t.id));
  return {
    changed: current.filter((t) => !t.deleted).map((t) => toSession(t, byId.get(t.id), nowMs)),
    deleted: current.filter((t) => t.deleted).map((t) => t.id),
  };
}

function onSession(user: UserTimers, session: SessionTimer, action: LocalAction, nowMs: number, outcome: Outcome): void {
  switch (action.kind) {
    case 'start':
      TimerRules.start(user, session, nowMs, outcome);
      break;
    case 'pause':
      TimerRules.pause(user, session, nowMs, outcome);
      break;
    case 'reset':
      TimerRules.reset(user, session, nowMs, outcome);
      break;
    case 'delete':
      TimerRules.delete(user, session, nowMs, outcome);
      break;
    case 'edit': {
      const edit = action.body as EditSession;
      TimerRules.edit(
        user,
        session,
        {
          ...(edit.title === undefined ? {} : { title: edit.title }),
          ...(edit.groupId === undefined ? {} : { groupId: edit.groupId }),
          ...(edit.dailyGoalMinutes === undefined ? {} : { dailyGoalMinutes: edit.dailyGoalMinutes }),
          ...(edit.initialDuration === undefined ? {} : { initialDurationSec: edit.initialDuration }),
        },
        nowMs,
        outcome,
      );
      break;
    }
    default:
      throw new Error(`'${action.kind}' acts on no single session`);
  }
}

/** The rules' view of a session read at `asOfMs`: the focus credited before the running part, the countdown's target. */
function toTimer(session: LiveSession): SessionTimer {
  const timer = new SessionTimer(session.id, session.noGoal);
  timer.title = session.title;
  timer.groupId = session.groupId;
  timer.initialDurationSec = session.initialDuration;
  timer.dailyGoalMinutes = session.dailyGoalMinutes;
  timer.isCompleted = session.isCompleted;
  timer.version = session.version;
  timer.timeLeftMs = session.timeLeft === null ? null : Math.round(session.timeLeft * 1000);
  const focusMs = Math.round(session.focusSeconds * 1000);
  if (session.state === 'RUNNING' && session.runStartedAtMs !== null) {
    timer.runStartedAtMs = session.runStartedAtMs;
    timer.targetMs = session.targetTimeMs;
    timer.focusMs = focusMs - Math.max(0, session.asOfMs - session.runStartedAtMs);
  } else {
    timer.focusMs = focusMs;
  }
  return timer;
}

function toSession(timer: SessionTimer, before: LiveSession | undefined, nowMs: number): LiveSession {
  const timeLeft = timer.timeLeftAt(nowMs);
  return {
    id: timer.id,
    title: timer.title,
    groupId: timer.groupId,
    noGoal: timer.noGoal,
    initialDuration: timer.initialDurationSec,
    timeLeft: timeLeft === null ? null : timeLeft / 1000,
    targetTimeMs: timer.targetMs,
    runStartedAtMs: timer.runStartedAtMs,
    state: timer.isRunning ? 'RUNNING' : 'PAUSED',
    isCompleted: timer.isCompleted,
    dailyGoalMinutes: timer.dailyGoalMinutes,
    focusSeconds: timer.focusAt(nowMs) / 1000,
    version: timer.version,
    createdAt: before?.createdAt ?? new Date(nowMs).toISOString(),
    asOfMs: nowMs,
  };
}
