import type { SessionTimer } from './sessionTimer.js';

export type ChangeType =
  | 'addSession'
  | 'start'
  | 'pause'
  | 'resetSession'
  | 'resetAll'
  | 'editSession'
  | 'deleteSession'
  | 'complete'
  | 'autoReset'
  | 'autoResetTimeChange';

/** Time credited to a session on one user-day, and that day's goal as of this credit. */
export interface Credit {
  readonly sessionId: number;
  readonly day: string;
  readonly ms: number;
  readonly goalMinutes: number | null;
}

/** One change of the user's data, as the event the service would send for it. */
export interface Change {
  readonly type: ChangeType;
  readonly atMs: number;
  readonly sessions: readonly SessionTimer[];
}

/** What applying the rules produced, in order. */
export class Outcome {
  readonly credits: Credit[] = [];
  readonly changes: Change[] = [];
}
