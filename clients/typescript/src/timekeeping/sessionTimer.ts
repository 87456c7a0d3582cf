/** A session as the timer rules see it (SPEC section 3); a port of the service's SessionTimer. */
export class SessionTimer {
  title = '';
  groupId: number | null = null;
  /** Seconds of one countdown; null for a goalless session. */
  initialDurationSec: number | null = null;
  dailyGoalMinutes: number | null = null;
  /** Milliseconds left when the countdown was last paused or set; null for a goalless session. */
  timeLeftMs: number | null = null;
  targetMs: number | null = null;
  runStartedAtMs: number | null = null;
  isCompleted = false;
  /** Milliseconds credited to the current user-day. */
  focusMs = 0;
  version = 0;
  /** The instant its latest change applied at: a timed command on it applies no earlier. */
  changedAtMs = 0;
  deletedAtMs: number | null = null;

  constructor(
    readonly id: number,
    readonly noGoal: boolean,
  ) {}

  get deleted(): boolean {
    return this.deletedAtMs !== null;
  }

  get isRunning(): boolean {
    return this.runStartedAtMs !== null;
  }

  timeLeftAt(nowMs: number): number | null {
    if (this.noGoal) return null;
    return this.targetMs !== null ? Math.max(0, this.targetMs - this.inRun(nowMs)) : this.timeLeftMs;
  }

  focusAt(nowMs: number): number {
    return this.focusMs + (this.runStartedAtMs !== null ? this.inRun(nowMs) - this.runStartedAtMs : 0);
  }

  /** Now, but never before the current run began: a run must not count backwards. */
  inRun(nowMs: number): number {
    return this.runStartedAtMs !== null ? Math.max(nowMs, this.runStartedAtMs) : nowMs;
  }

  get fullCountdownMs(): number {
    return (this.initialDurationSec ?? 0) * 1000;
  }

  snapshot(): SessionTimer {
    return Object.assign(new SessionTimer(this.id, this.noGoal), this);
  }
}
