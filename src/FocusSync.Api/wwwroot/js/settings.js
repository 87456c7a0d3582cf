// The settings page: PATCH /me with the fields that changed.
import { patch } from './api.js';
import { notificationsWanted, setNotificationsWanted } from './alerts.js';
import { putUser, state } from './store.js';

const form = document.getElementById('settings-form');
const saved = document.getElementById('settings-saved');

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function initSettings(report) {
  const zones = new Set(Intl.supportedValuesOf?.('timeZone') ?? []);
  zones.add('UTC').add(browserTimeZone());
  form.elements.timeZone.innerHTML = [...zones].sort().map((z) => `<option>${z}</option>`).join('');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const user = state.user;
    const wanted = {
      timeZone: form.elements.timeZone.value,
      resetTime: form.elements.resetTime.value,
      weekStart: form.elements.weekStart.value,
      singleRunning: form.elements.singleRunning.checked,
    };
    const changes = Object.fromEntries(Object.entries(wanted).filter(([key, value]) => user[key] !== value));
    saved.textContent = '';
    try {
      await setNotificationsWanted(document.getElementById('setting-notify').checked);
      if (Object.keys(changes).length) putUser(await patch('/me', changes));
      saved.textContent = 'Saved.';
    } catch (error) {
      report(error);
    }
  });
}

export function showSettings() {
  const user = state.user;
  if (!user) return;
  const zone = form.elements.timeZone;
  if (![...zone.options].some((o) => o.value === user.timeZone)) zone.add(new Option(user.timeZone));
  zone.value = user.timeZone;
  form.elements.resetTime.value = user.resetTime;
  form.elements.weekStart.value = user.weekStart;
  form.elements.singleRunning.checked = user.singleRunning;
  document.getElementById('setting-notify').checked = notificationsWanted();
  saved.textContent = '';
}
