// The user's data, kept by the FocusSync client's LiveView (vendor/focussync-client.js): every action applies at once
// and waits in an IndexedDB queue, per user, until the service has it. What the view holds is kept per user in
// localStorage, so that a page opened without a network shows the last known state and then carries on from its seq.
import { FocusSyncClient, IndexedDbQueueStore, LiveView } from '../vendor/focussync-client.js';
import { auth } from './auth.js';
import { useClock } from './clock.js';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  full: 'Too many open tabs: close one, then reload',
};
const STATES = { connecting: 'connecting', live: 'live', reconnecting: 'reconnecting', offline: 'offline', refused: 'full', closed: 'offline', deleted: 'offline' };
const snapshotKey = (uid) => `focussync.view.${uid}`;
const queueName = (uid) => `focussync-queue ${uid}`;
// A change sent as the page closes must outlive it: keepalive, which browsers allow for bodies under 64 KiB.
const KEEPALIVE_LIMIT = 60_000;

const getToken = async ({ forceRefresh }) => {
  if (forceRefresh) await auth.invalidate();
  return auth.getToken();
};
const fetchKeepingAlive = (input, init) => fetch(input,
  String(input).endsWith('/sync') && (init?.body?.length ?? Infinity) < KEEPALIVE_LIMIT ? { ...init, keepalive: true } : init);

/** REST calls that are not queued (sign-in, settings, groups, analytics): they need the service to answer. */
export const api = new FocusSyncClient({ baseUrl: location.origin, getToken });

const listeners = new Set();
let view = null;
let queue = null;
let uid = null;
let unsubscribe = () => {};
// The settings the service answered a save with, shown until the view hears of a change of its own.
let savedUser = null;
// Whether the badge said that changes were waiting: once they are sent it says "Synced".
let waited = false;
let statusRead = 0;

export const current = () => view;
export const sessions = () => view?.sessions ?? [];
export const session = (id) => view?.session(id);
export const groups = () => view?.groups ?? [];
export const user = () => savedUser ?? view?.user ?? null;

/** Calls `listener(change)` after every change of the view (see the client's ViewChange), and once when a view opens. */
export function subscribe(listener) {
  listeners.add(listener);
}

/** Shows the settings a save returned until the view's own copy changes. */
export function setUser(value) {
  savedUser = value;
  emit({ type: 'user' });
}

/** What a session shows now: the time left (a stopwatch: its time today), today's focus, running or completed. */
export function shown(s) {
  const focus = view.focusSeconds(s);
  const completed = view.isCompleted(s);
  const running = s.state === 'RUNNING' && !completed;
  return { running, completed, seconds: s.noGoal ? focus : view.timeLeft(s) ?? 0, focus };
}

/** Starts the view of a signed-in user from what this browser last held for them; `connect` then brings it up to date. */
export function openView(id) {
  closeView();
  uid = id;
  const snapshot = readSnapshot(id);
  queue = new IndexedDbQueueStore(queueName(id));
  view = new LiveView({
    baseUrl: location.origin,
    getToken,
    fetch: fetchKeepingAlive,
    queue,
    ...(snapshot ? { snapshot } : {}),
  });
  useClock(view.clock);
  unsubscribe = view.subscribe(onChange);
  emit({ type: 'snapshot' });
  showStatus();
}

export function connect(reportError) {
  view?.connect().catch(reportError);
}

/**
 * Stops the view; on sign-out this browser forgets what it showed (queued changes stay for the next sign-in).
 * Resolves once the view has stopped.
 */
export async function closeView({ forget = false } = {}) {
  const closing = view;
  if (!closing) return;
  unsubscribe();
  view = null;
  savedUser = null;
  if (forget) localStorage.removeItem(snapshotKey(uid));
  const stopped = closing.close();
  showStatus();
  await stopped;
}

/** After the account is deleted: nothing of it stays in this browser, its queued changes included. */
export async function forgetAccount() {
  const id = uid;
  const store = queue;
  await closeView({ forget: true });
  // An open connection to the queue's database would hold its deletion back for as long as the page stays open.
  await store?.close();
  await new Promise((resolve) => {
    const deletion = indexedDB.deleteDatabase(queueName(id));
    deletion.onsuccess = deletion.onerror = deletion.onblocked = resolve;
  });
}

/** Sends what waits and catches up now: the network came back, or the page woke up. */
export function refresh() {
  view?.refresh();
}

function onChange(change) {
  if (change.type === 'snapshot' || (change.type === 'event' && change.event.user)) savedUser = null;
  if (change.type !== 'status') saveSnapshot();
  emit(change);
  showStatus();
}

function emit(change) {
  listeners.forEach((listener) => listener(change));
}

function readSnapshot(id) {
  try {
    return JSON.parse(localStorage.getItem(snapshotKey(id)) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Another tab of the same user may be ahead: a snapshot is never replaced by one from an older seq. */
function saveSnapshot() {
  const snapshot = view.snapshot();
  if ((readSnapshot(uid)?.seq ?? 0) > snapshot.seq) return;
  localStorage.setItem(snapshotKey(uid), JSON.stringify(snapshot));
}

/** "Live", or while the service is out of reach with changes queued "Offline: N changes waiting", then "Synced". */
async function showStatus() {
  const badge = document.getElementById('connection');
  const read = ++statusRead;
  const waiting = view ? (await view.pending()).filter((o) => o.heldUntilMs === undefined).length : 0;
  if (read !== statusRead) return;
  let state = view ? STATES[view.status] : 'offline';
  if (!navigator.onLine) state = 'offline';
  let text = LABELS[state];
  const changes = `${waiting} change${waiting === 1 ? '' : 's'}`;
  if (waiting > 0 && (state === 'offline' || state === 'reconnecting')) {
    waited = true;
    text = `Offline: ${changes} waiting`;
  } else if (waiting > 0 && waited) {
    text = `Sending ${changes}…`;
  } else if (state === 'live' && waited) {
    text = 'Synced';
  } else if (state !== 'live' && state !== 'connecting') {
    waited = false;
  }
  // Rewritten only when it changes: it is a live region, and every write is read out.
  if (badge.dataset.state !== state) badge.dataset.state = state;
  if (badge.textContent !== text) badge.textContent = text;
}

addEventListener('online', () => {
  refresh();
  showStatus();
});
addEventListener('offline', showStatus);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refresh();
});
// A page the browser froze (a background tab, a sleeping laptop) missed what happened meanwhile.
document.addEventListener('resume', refresh);
