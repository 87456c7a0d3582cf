// Live updates over SignalR: applies each `event` in seq order. After a reconnect, on a seq gap and when
// the tab becomes visible again it reads the change feed from its seq, and everything only when it must.
import { get } from './api.js';
import { auth } from './auth.js';
import { syncClock } from './clock.js';
import { applyEvent, applySnapshot, state } from './store.js';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  full: 'Too many open tabs: close one, then reload',
};
const FEED_PAGE = 500;
const retryDelay = (attempt) => Math.min(500 * 2 ** attempt, 5000);
// SignalR wraps a refused negotiation in an error that keeps the status only in its message.
const refused = (error) => error?.statusCode === 401 || /Status code '401'/.test(String(error?.message ?? error));
// The server closes a connection over the per-user cap with this message and tells the client not to come back.
const overCap = (error) => /Too many connections/.test(String(error?.message ?? error));
// The server closes a connection when the token it was opened with expires (docs/realtime.md, "Token expiry").
const tokenExpired = (error) => /Token expired/.test(String(error?.message ?? error));

let connection = null;
let resyncing = null;
let resyncFailures = 0;
let pending = [];
let onError = () => {};
// Whether the state holds this connection's user: only then can the feed carry it on from its seq.
let loaded = false;

export function showConnection(status) {
  const badge = document.getElementById('connection');
  badge.dataset.state = status;
  badge.textContent = LABELS[status];
}

/**
 * Brings the state up to date; events that arrive meanwhile are applied after it. It reads the change
 * feed from the state's seq, and reads everything again only when there is no state yet or the feed no
 * longer reaches back to that seq (410). A failed read is retried.
 */
export function resync() {
  resyncing ??= (async () => {
    try {
      if (!loaded || !(await readFeed())) await readAll();
      resyncFailures = 0;
    } catch (error) {
      pending = []; // the next successful resync brings them
      onError(error);
      const current = connection;
      setTimeout(() => connection === current && current && resync(), retryDelay(resyncFailures++));
    } finally {
      const queued = pending;
      pending = [];
      resyncing = null;
      queued.forEach(receive);
    }
  })();
  return resyncing;
}

/**
 * The sessions first: their seq is the snapshot's, and groups and settings read after it are at least as
 * new, so every change they might miss has a later seq and arrives as an event.
 */
async function readAll() {
  const list = await get('/sessions');
  const [groups, user] = await Promise.all([get('/groups'), get('/me')]);
  applySnapshot(list, groups.groups, user);
  loaded = true;
}

/** Applies the feed's events after our seq, page by page; false when the feed answers 410. */
async function readFeed() {
  for (;;) {
    let page;
    try {
      page = await get(`/changes?since=${state.seq}&limit=${FEED_PAGE}`);
    } catch (error) {
      if (error.status === 410) return false;
      throw error;
    }
    const from = state.seq;
    syncClock(page.serverTimeMs);
    page.events.forEach(applyNext);
    if (!page.hasMore || state.seq === from) return true;
  }
}

function applyNext(event) {
  if (event.seq === state.seq + 1) applyEvent(event);
}

function receive(event) {
  if (resyncing) {
    pending.push(event);
  } else if (event.seq > state.seq + 1) {
    resync();
    pending.push(event);
  } else if (event.seq === state.seq + 1) {
    applyEvent(event);
  }
}

export async function connect(reportError) {
  onError = reportError;
  if (connection) await disconnect();
  loaded = false;
  connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/sessions', { accessTokenFactory: () => auth.getToken() })
    .withAutomaticReconnect({
      nextRetryDelayInMilliseconds: ({ previousRetryCount, retryReason }) => {
        // Routine once per token lifetime: reconnect at once with a fresh token, still showing "Live".
        if (tokenExpired(retryReason)) {
          auth.invalidate();
          return 0;
        }
        // A restarted development server no longer accepts the old token.
        if (refused(retryReason)) auth.invalidate();
        // Shown here rather than in onreconnecting, so that a reconnect after an expiry shows once it fails.
        showConnection('reconnecting');
        return retryDelay(previousRetryCount);
      },
    })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on('event', (event) => {
    syncClock(event.serverTimeMs);
    receive(event);
  });
  connection.onreconnected(() => {
    showConnection('live');
    resync();
  });
  const current = connection;
  current.onclose((error) => {
    if (connection !== current) return;
    if (overCap(error)) showConnection('full');
    else start(current);
  });
  await start(current);
}

export async function disconnect() {
  const current = connection;
  connection = null;
  showConnection('offline');
  await current?.stop();
}

async function start(current) {
  for (let attempt = 0; connection === current; attempt++) {
    showConnection(attempt === 0 ? 'connecting' : 'offline');
    try {
      await current.start();
      showConnection('live');
      await resync();
      return;
    } catch (error) {
      if (refused(error)) await auth.invalidate();
      if (connection === current) showConnection('offline');
      await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
    }
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && connection) resync();
});
addEventListener('online', () => connection && resync());
