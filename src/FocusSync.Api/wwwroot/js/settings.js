// The settings page: PATCH /me with only the fields the person touched, a form that follows changes made on other
// devices to every field not being edited, and when the current day ends.
import { chimeWanted, notificationsWanted, setChimeWanted, setNotificationsWanted } from './alerts.js';
import { serverNow } from './clock.js';
import { api, setUser, subscribe, user as currentUser } from './view.js';

const form = document.getElementById('settings-form');
const saved = document.getElementById('settings-saved');
const nextReset = document.getElementById('next-reset');
const FIELDS = ['timeZone', 'resetTime', 'weekStart', 'singleRunning'];
const touched = new Set();
let zones = new Set();

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const valueOf = (name) => (name === 'singleRunning' ? form.elements[name].checked : form.elements[name].value);

export function initSettings(report) {
  zones = new Set(Intl.supportedValuesOf?.('timeZone') ?? []);
  zones.add('UTC').add(browserTimeZone());
  document.getElementById('time-zones').innerHTML = [...zones].sort().map((z) => `<option value="${z}"></option>`).join('');
  for (const name of FIELDS) {
    form.elements[name].addEventListener('input', () => touched.add(name));
    form.elements[name].addEventListener('change', () => touched.add(name));
  }
  form.elements.timeZone.addEventListener('input', () => {
    const zone = form.elements.timeZone;
    zone.setCustomValidity(zones.has(zone.value) || zone.value === currentUser()?.timeZone ? '' : 'Pick a time zone from the list, e.g. Europe/Berlin.');
  });
  subscribe(() => {
    if (!form.closest('.page').hidden) fill();
  });
  setInterval(showNextReset, 30_000);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const user = currentUser();
    const changes = Object.fromEntries(
      [...touched].map((name) => [name, valueOf(name)]).filter(([name, value]) => user[name] !== value));
    saved.textContent = '';
    try {
      await setNotificationsWanted(document.getElementById('setting-notify').checked);
      setChimeWanted(document.getElementById('setting-chime').checked);
      // Built on the settings shown: if another window changed them meanwhile, nothing is overwritten.
      if (Object.keys(changes).length) setUser(await api.updateMe(changes, { ifMatch: user.settingsETag }));
      touched.clear();
      fill();
      saved.textContent = 'Saved.';
    } catch (error) {
      if (error?.status === 412 && error.current) {
        setUser(error.current);
        fill();
        saved.textContent = 'Another window changed the settings meanwhile: the form now shows them, with your changes kept. Save again to apply yours.';
        return;
      }
      report(error);
    }
  });
}

/** Shows the user's settings in every field the person has not touched since the last save. */
function fill() {
  const user = currentUser();
  if (!user) return;
  for (const name of FIELDS) {
    if (touched.has(name)) continue;
    if (name === 'singleRunning') form.elements[name].checked = user[name];
    else form.elements[name].value = user[name];
  }
  showNextReset();
}

/** "Next reset: tomorrow 23:40 (Asia/Tokyo)", from the end of the user's current day as the server has it. */
function showNextReset() {
  const user = currentUser();
  const now = serverNow();
  // Once passed, the next end arrives with the user's next read or event.
  if (!user?.currentDayEndsAtMs || user.currentDayEndsAtMs <= now) return;
  const zone = user.timeZone;
  const day = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(user.currentDayEndsAtMs);
  const when = day(user.currentDayEndsAtMs) === day(now) ? 'today'
    : day(user.currentDayEndsAtMs) === day(now + 86_400_000) ? 'tomorrow'
      : new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long' }).format(user.currentDayEndsAtMs);
  nextReset.textContent = `Next reset: ${when} ${time} (${zone})`;
}

export function showSettings() {
  touched.clear();
  fill();
  document.getElementById('setting-notify').checked = notificationsWanted();
  document.getElementById('setting-chime').checked = chimeWanted();
  saved.textContent = '';
}
