// The browser tab tells the time too: its title shows the running timer ("▶ 12:34 Deep work") or a finished
// one ("✓ Deep work"), and its icon turns green while a timer runs and purple when one has finished.
const favicon = document.getElementById('favicon');
const BASE_TITLE = 'FocusSync';
const ICON_COLORS = { running: '#16a34a', completed: '#9333ea' };
let shownKey = '';

const icon = (color) => `data:image/svg+xml,${encodeURIComponent(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="17" r="13" fill="${color}"/>`
  + `<rect x="13" y="1" width="6" height="4" rx="1" fill="${color}"/>`
  + '<path d="M16 9v8l5 4" stroke="#fff" stroke-width="3" stroke-linecap="round" fill="none"/></svg>')}`;

/** `shown`: each card's `{ title, status, seconds, text }`. The countdown closest to its end leads. */
export function showTimerInTab(shown) {
  const running = shown.filter((s) => s.status === 'running').sort((a, b) => a.seconds - b.seconds)[0];
  const finished = shown.find((s) => s.status === 'completed');
  const title = running ? `▶ ${running.text} ${running.title}` : finished ? `✓ ${finished.title}` : BASE_TITLE;
  if (document.title !== title) document.title = title;
  const state = running ? 'running' : finished ? 'completed' : '';
  if (state === shownKey) return;
  shownKey = state;
  favicon.href = state ? icon(ICON_COLORS[state]) : 'favicon.svg';
}
