// Live updates over SignalR: applies each `event` in seq order and resyncs from GET /sessions
// after a reconnect, on a seq gap and when the tab becomes visible again.
import { get } from './api.js';
import { auth } from './auth.js';
import { applyEvent, applySnapshot, state } from './store.js';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  full: 'Too many open tabs: close one, then reload',
};
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

export function showConnection(status) {
  const badge = document.getElementById('connection');
  badge.dataset.state = status;
  badge.textContent = LABELS[status];
}

/**
 * Reads the whole state again; events that arrive meanwhile are applied after it. The sessions come
 * first: their seq is the snapshot's, and groups and settings read after it are at least as new, so
 * every change they might miss has a later seq and arrives as an event. A failed read is retried.
 */
export function resync() {
  resyncing ??= (async () => {
    try {
      const list = await get('/sessions');
      const [groups, user] = await Promise.all([get('/groups'), get('/me')]);
      applySnapshot(list, groups.groups, user);
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
  connection.on('event', receive);
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
