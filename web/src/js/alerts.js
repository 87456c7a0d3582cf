// Completion signals: a short WebAudio beep and, where permitted, a browser notification.
const NOTIFY_KEY = 'focussync.notify';
let audio = null;

export function beep() {
  try {
    audio ??= new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.6);
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

export function signalCompleted(title) {
  beep();
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
