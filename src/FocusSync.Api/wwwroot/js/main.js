// Starts the client: reads /config, signs in, shows the last known state, connects live updates and shows the page
// in the URL's hash. A service worker keeps the app's files, so that it opens without a network too.
import { initAccount } from './account.js';
import { unlockAudio } from './alerts.js';
import { initAnalytics, showAnalytics } from './analytics.js';
import { describeError, toast } from './notices.js';
import { auth } from './auth.js';
import { serverNow, syncClock } from './clock.js';
import { browserTimeZone, initSettings, showSettings } from './settings.js';
import { initTimers } from './timers.js';
import { api, closeView, connect, openView, setUser, subscribe, user } from './view.js';

const PAGES = ['timers', 'analytics', 'settings'];
const CONFIG_KEY = 'focussync.config';
const $ = (id) => document.getElementById(id);

function reportError(error) {
  console.error(error);
  toast(describeError(error), { kind: 'error', ms: 8000 });
}

function route() {
  const signedIn = Boolean(auth.user);
  const page = signedIn ? (PAGES.find((p) => location.hash === `#/${p}`) ?? 'timers') : 'sign-in';
  for (const id of [...PAGES, 'sign-in']) $(id).hidden = id !== page;
  for (const link of document.querySelectorAll('.nav a')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.querySelector('.nav').hidden = !signedIn;
  $('connection').hidden = !signedIn;
  if (page === 'sign-in') document.querySelector('#sign-in form:not([hidden]) input, #sign-in div:not([hidden]) input')?.focus();
  if (page === 'analytics') showAnalytics();
  if (page === 'settings') showSettings();
}

let signedInAs = null;

async function onUserChanged() {
  $('sign-out').hidden = !auth.user;
  $('user-name').textContent = auth.user?.name ?? '';
  if (!auth.user) {
    closeView({ forget: signedInAs !== null });
    signedInAs = null;
    route();
    return;
  }
  signedInAs = auth.user.uid;
  openView(auth.user.uid);
  route();
  try {
    const me = await api.login();
    // A new account starts in UTC; the browser's own zone is the better default.
    const isNew = serverNow() - Date.parse(me.createdAt) < 60_000;
    setUser(isNew && me.timeZone === 'UTC' && browserTimeZone() !== 'UTC'
      ? await api.updateMe({ timeZone: browserTimeZone() })
      : me);
  } catch (error) {
    // Opened without a network: the last known state shows, and the view signs in once it can.
    if (error?.name !== 'UnreachableError') reportError(error);
  }
  connect(reportError);
}

/** The service's /config, or without a network the one this browser read last. */
async function readConfig() {
  try {
    const config = await fetch('/config').then((r) => r.json());
    syncClock(config.serverTimeMs);
    localStorage.setItem(CONFIG_KEY, JSON.stringify({ ...config, serverTimeMs: undefined }));
    return config;
  } catch (error) {
    const saved = JSON.parse(localStorage.getItem(CONFIG_KEY) ?? 'null');
    if (!saved) throw error;
    return saved;
  }
}

async function main() {
  navigator.serviceWorker?.register('/sw.js').catch((error) => console.warn('No offline copy of the app:', error));
  const config = await readConfig();
  $('dev-sign-in').hidden = config.authMode !== 'Development';
  $('firebase-sign-in').hidden = config.authMode === 'Development' || !config.firebase;
  if (config.authMode !== 'Development' && !config.firebase) {
    reportError(new Error('Sign-in is not configured: set WebClient:Firebase:ApiKey and WebClient:Firebase:AuthDomain.'));
  }

  initTimers(reportError);
  initAnalytics(reportError);
  initSettings(reportError);
  initAccount(reportError);
  subscribe(() => { $('user-name').textContent = user()?.name ?? auth.user?.name ?? ''; });
  addEventListener('hashchange', route);
  document.addEventListener('click', unlockAudio, { once: true });

  $('dev-sign-in').addEventListener('submit', (e) => {
    e.preventDefault();
    auth.signInDev(e.target.elements.name.value).catch(reportError);
  });
  $('google-sign-in').addEventListener('click', () => auth.signInGoogle().catch(reportError));
  $('email-sign-in').addEventListener('submit', (e) => {
    e.preventDefault();
    auth.signInEmail(e.target.elements.email.value, e.target.elements.password.value).catch(reportError);
  });
  $('sign-out').addEventListener('click', () => auth.signOut().catch(reportError));

  await auth.init(config, () => onUserChanged().catch(reportError));
}

main().catch(reportError);

