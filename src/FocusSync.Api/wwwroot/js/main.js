// Starts the client: reads /config, signs in, connects live updates and shows the page in the URL's hash.
import { initAccount } from './account.js';
import { patch, post } from './api.js';
import { unlockAudio } from './alerts.js';
import { initAnalytics, showAnalytics } from './analytics.js';
import { auth } from './auth.js';
import { serverNow, syncClock } from './clock.js';
import { connect, disconnect } from './live.js';
import { browserTimeZone, initSettings, showSettings } from './settings.js';
import { putUser, state, subscribe } from './store.js';
import { initTimers } from './timers.js';

const PAGES = ['timers', 'analytics', 'settings'];
const $ = (id) => document.getElementById(id);
let errorTimer = 0;

function reportError(error) {
  console.error(error);
  $('error').textContent = error?.message ?? String(error);
  $('error').hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => { $('error').hidden = true; }, 8000);
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
  if (page === 'analytics') showAnalytics();
  if (page === 'settings') showSettings();
}

async function onUserChanged() {
  $('sign-out').hidden = !auth.user;
  $('user-name').textContent = auth.user?.name ?? '';
  if (!auth.user) {
    await disconnect();
    route();
    return;
  }
  route();
  try {
    const user = await post('/me/login');
    // A new account starts in UTC; the browser's own zone is the better default.
    const isNew = serverNow() - Date.parse(user.createdAt) < 60_000;
    putUser(isNew && user.timeZone === 'UTC' && browserTimeZone() !== 'UTC'
      ? await patch('/me', { timeZone: browserTimeZone() })
      : user);
  } catch (error) {
    reportError(error);
  }
  await connect(reportError);
}

async function main() {
  const config = await fetch('/config').then((r) => r.json());
  syncClock(config.serverTimeMs);
  $('dev-sign-in').hidden = config.authMode !== 'Development';
  $('firebase-sign-in').hidden = config.authMode === 'Development' || !config.firebase;
  if (config.authMode !== 'Development' && !config.firebase) {
    reportError(new Error('Sign-in is not configured: set WebClient:Firebase:ApiKey and WebClient:Firebase:AuthDomain.'));
  }

  initTimers(reportError);
  initAnalytics(reportError);
  initSettings(reportError);
  initAccount(reportError);
  subscribe(() => { $('user-name').textContent = state.user?.name ?? auth.user?.name ?? ''; });
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

