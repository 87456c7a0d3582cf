// Calendar arithmetic in an IANA time zone on top of Intl, which is all a browser offers: dates are ISO
// "YYYY-MM-DD" strings, times of day minutes after midnight, instants epoch milliseconds.

const dayMs = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, format);
  }
  return format;
}

/** The local reading of `instantMs` in `zone`, as if it were UTC: epoch ms of the local date and time. */
function localMs(zone: string, instantMs: number): number {
  const parts: Record<string, string> = {};
  for (const part of formatFor(zone).formatToParts(new Date(instantMs))) parts[part.type] = part.value;
  const local = new Date(0);
  local.setUTCFullYear(Number(parts['year']), Number(parts['month']) - 1, Number(parts['day']));
  local.setUTCHours(Number(parts['hour']), Number(parts['minute']), Number(parts['second']), 0);
  return local.getTime();
}

/** The zone's offset from UTC at `instantMs`, in ms. Offsets change on whole seconds, and Intl shows no more. */
export function offsetMs(zone: string, instantMs: number): number {
  const second = Math.floor(instantMs / 1000) * 1000;
  return localMs(zone, second) - second;
}

/** The local date in `zone` at `instantMs`. */
export function dateAt(zone: string, instantMs: number): string {
  return isoDate(Math.floor((instantMs + offsetMs(zone, instantMs)) / dayMs));
}

export function plusDays(date: string, days: number): string {
  return isoDate(epochDay(date) + days);
}

function epochDay(date: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  return Math.round(at.getTime() / dayMs);
}

function isoDate(epochDayNumber: number): string {
  return new Date(epochDayNumber * dayMs).toISOString().slice(0, 10);
}

/**
 * The instant of a local date and time in `zone`: a time skipped by a gap (spring forward) means the first instant
 * after the gap, a time that occurs twice (fall back) its first occurrence — NodaTime's ReturnEarlier and
 * ReturnStartOfIntervalAfter, as the service resolves a reset time.
 */
export function resolveLocal(zone: string, date: string, minuteOfDay: number): number {
  const local = epochDay(date) * dayMs + minuteOfDay * 60_000;
  const before = offsetMs(zone, local - dayMs);
  const after = offsetMs(zone, local + dayMs);
  const valid = [local - before, local - after].filter((t) => t + offsetMs(zone, t) === local);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the offset turns from `before` to `after` between these two instants; find the first one after it.
  let lo = local - after;
  let hi = local - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}
