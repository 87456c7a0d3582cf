// Completion signals: a chime of three rising tones (unless turned off) and, where permitted, a browser notification.
import { toast } from './notices.js';

const NOTIFY_KEY = 'focussync.notify';
const CHIME_KEY = 'focussync.chime';
const OFFERED_KEY = 'focussync.notify-offered';
const CHIME = [660, 880, 1100];
let audio = null;

export const chimeWanted = () => localStorage.getItem(CHIME_KEY) !== '0';

export function setChimeWanted(wanted) {
  localStorage.setItem(CHIME_KEY, wanted ? '1' : '0');
}

export function chime() {
  try {
    audio ??= new AudioContext();
    CHIME.forEach((frequency, i) => {
      const start = audio.currentTime + i * 0.35;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.35, start);
      gain.gain.exponentialRampToValueAtTime(0.001, start + 0.6);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.6);
    });
  } catch {
    // No audio device, or the browser refused before any user gesture: the page still shows it.
  }
}

export const notificationsWanted = () => localStorage.getItem(NOTIFY_KEY) === '1';

export async function setNotificationsWanted(wanted) {
  if (wanted && 'Notification' in window && Notification.permission === 'default') {
    await Notification.requestPermission();
  }
  localStorage.setItem(NOTIFY_KEY, wanted ? '1' : '0');
}

/** At the first start, asks once whether a completion should also be a notification (the tab may be hidden by then). */
export function offerNotifications() {
  if (!('Notification' in window) || Notification.permission !== 'default' || localStorage.getItem(OFFERED_KEY)) return;
  localStorage.setItem(OFFERED_KEY, '1');
  toast('Get a notification when a countdown completes, even with this tab in the background?', {
    ms: 0,
    actions: [{ label: 'Notify me', run: () => setNotificationsWanted(true) }],
  });
}

export function signalCompleted(title) {
  if (chimeWanted()) chime();
  if (notificationsWanted() && 'Notification' in window && Notification.permission === 'granted') {
    new Notification('FocusSync', { body: `“${title}” is complete.`, tag: 'focussync-complete' });
  }
}

/** Browsers only let audio start after a user gesture: create the context on the first click. */
export function unlockAudio() {
  try {
    audio ??= new AudioContext();
    audio.resume();
  } catch {
    // No audio available.
  }
}
