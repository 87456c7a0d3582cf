// Small formatting and parsing helpers shared by the pages.

/** 1500 → "25:00", 3725 → "1:02:05". */
export function clockText(totalSeconds) {
  const whole = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** 5400 → "1 h 30 min", 42 → "42 s". */
export function durationText(totalSeconds) {
  const whole = Math.round(totalSeconds);
  if (whole < 60) return `${whole} s`;
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

/** "25" (minutes), "25:00", "1:30:00" → seconds; null when unreadable. */
export function parseDuration(text) {
  const parts = text.trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) return null;
  const numbers = parts.map(Number);
  if (numbers.length === 1) return numbers[0] * 60;
  return numbers.reduce((total, n) => total * 60 + n, 0);
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
