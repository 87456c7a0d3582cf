// The client's copy of the user's sessions, groups and settings, kept current by snapshots and events.
import { serverNow, syncClock } from './clock.js';

export const state = {
  user: null,
  sessions: new Map(), // id → session, each with `asOfMs`: the server time its values were read at
  groups: new Map(),
  seq: 0,
};

const listeners = new Set();
export const subscribe = (listener) => listeners.add(listener);
const changed = () => listeners.forEach((listener) => listener());

/** Replaces everything with a full read (GET /sessions, /groups, /me). */
export function applySnapshot(list, groups, user) {
  syncClock(list.serverTimeMs);
  state.sessions = new Map(list.sessions.map((s) => [s.id, { ...s, asOfMs: list.serverTimeMs }]));
  state.groups = new Map(groups.map((g) => [g.id, g]));
  state.user = user;
  state.seq = list.seq;
  changed();
}

/** Applies a session returned by an action; an older version never replaces a newer one. */
export function putSession(session, asOfMs = serverNow()) {
  const current = state.sessions.get(session.id);
  if (current && current.version > session.version) return;
  state.sessions.set(session.id, { ...session, asOfMs });
  changed();
}

export function putUser(user) {
  state.user = user;
  changed();
}

export function putGroup(group) {
  state.groups.set(group.id, group);
  changed();
}

export function removeGroup(id) {
  state.groups.delete(id);
  for (const session of state.sessions.values()) if (session.groupId === id) session.groupId = null;
  changed();
}

export function removeSession(id) {
  state.sessions.delete(id);
  changed();
}

/**
 * Applies one event whose seq directly follows ours, from the hub or the change feed. It leaves the clock
 * alone: a feed event's serverTimeMs is when the change was made, not now.
 */
export function applyEvent(event) {
  const at = event.serverTimeMs;
  const put = (s) => {
    const current = state.sessions.get(s.id);
    if (!current || current.version <= s.version) state.sessions.set(s.id, { ...s, asOfMs: at });
  };
  if ((event.type === 'resetAll' || event.type === 'autoReset') && event.sessions) {
    state.sessions = new Map(event.sessions.map((s) => [s.id, { ...s, asOfMs: at }]));
  } else {
    event.sessions?.forEach(put);
  }
  if (event.session) put(event.session);
  if (event.type === 'deleteSession' && event.sessionId != null) state.sessions.delete(event.sessionId);
  if (event.group) state.groups.set(event.group.id, event.group);
  if (event.type === 'deleteGroup' && event.groupId != null) {
    state.groups.delete(event.groupId);
    for (const s of state.sessions.values()) if (s.groupId === event.groupId) s.groupId = null;
  }
  if (event.user) state.user = event.user;
  state.seq = event.seq;
  changed();
}

/**
 * What a session shows now: a countdown ticks from targetTimeMs, a stopwatch and today's focus time
 * count up from the values read at asOfMs. A countdown past its target shows completed at once,
 * before the server's `complete` event arrives.
 */
export function liveView(s, now = serverNow()) {
  const running = s.state === 'RUNNING';
  let focus = s.focusSeconds + (running ? Math.max(0, now - s.asOfMs) / 1000 : 0);
  if (s.noGoal) return { running, completed: false, seconds: focus, focus };
  if (running && now >= s.targetTimeMs) {
    focus = s.focusSeconds + Math.max(0, s.targetTimeMs - s.asOfMs) / 1000;
    return { running: false, completed: true, seconds: 0, focus };
  }
  const seconds = running ? (s.targetTimeMs - now) / 1000 : s.timeLeft;
  return { running, completed: s.isCompleted, seconds: Math.max(0, seconds), focus };
}
