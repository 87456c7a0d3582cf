import { dateAt, plusDays, resolveLocal } from './zone.js';

/** A user's settings as the rules read them (SPEC section 1); `resetTime` is "HH:mm". */
export interface UserSettings {
  readonly timeZone: string;
  readonly resetTime: string;
  readonly weekStart: string;
  readonly singleRunning: boolean;
}

export const defaultSettings: UserSettings = { timeZone: 'UTC', resetTime: '00:00', weekStart: 'monday', singleRunning: true };

export function sameSettings(a: UserSettings, b: UserSettings): boolean {
  return a.timeZone === b.timeZone && a.resetTime === b.resetTime && a.weekStart === b.weekStart && a.singleRunning === b.singleRunning;
}

function minuteOfDay(resetTime: string): number {
  const [hours, minutes] = resetTime.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

/** A user's settings and the user-day currently running (SPEC section 2); a port of the service's UserClock. */
export class UserClock {
  /** The label of the current user-day, "YYYY-MM-DD". */
  day: string;
  /** When the current user-day began: the boundary performed last, or the clock's creation. */
  dayStartMs: number;
  dayEndMs: number;
  /** When the settings last changed (0: never). */
  settingsChangedAtMs = 0;

  private constructor(
    public settings: UserSettings,
    nowMs: number,
  ) {
    this.dayStartMs = nowMs;
    const today = dateAt(settings.timeZone, nowMs);
    this.day = nowMs < this.resetMs(today) ? plusDays(today, -1) : today;
    this.dayEndMs = this.resetMs(plusDays(this.day, 1));
  }

  /** A clock whose first user-day is the one running at `nowMs`. */
  static create(settings: UserSettings, nowMs: number): UserClock {
    return new UserClock(settings, nowMs);
  }

  /** The instant of the reset time on `date` (a skipped time: the first instant after the gap; a repeated one: its first). */
  resetMs(date: string): number {
    return resolveLocal(this.settings.timeZone, date, minuteOfDay(this.settings.resetTime));
  }

  /** Moves to the next user-day at its boundary. */
  advanceDay(): void {
    const boundary = this.dayEndMs;
    this.dayStartMs = boundary;
    this.day = plusDays(this.day, 1);
    // A time-zone jump can put the next reset before this boundary; that day is then empty.
    this.dayEndMs = Math.max(boundary, this.resetMs(plusDays(this.day, 1)));
  }

  /** Applies new settings; a new zone or reset time ends today at the later of now and the next reset. */
  changeSettings(settings: UserSettings, nowMs: number): void {
    const dayChanged = settings.timeZone !== this.settings.timeZone || settings.resetTime !== this.settings.resetTime;
    this.settings = settings;
    this.settingsChangedAtMs = Math.max(this.settingsChangedAtMs, nowMs);
    if (dayChanged) this.dayEndMs = Math.max(nowMs, this.resetMs(plusDays(this.day, 1)));
  }
}
