// The service's JSON shapes (SPEC sections 1, 4, 5 and 7; README "API in short").
import type { ChangeType } from './timekeeping/outcome.js';

export type SessionState = 'RUNNING' | 'PAUSED';

export interface Session {
  readonly id: number;
  readonly title: string;
  readonly groupId: number | null;
  readonly noGoal: boolean;
  readonly initialDuration: number | null;
  /** Seconds left as of the response's `serverTimeMs`. */
  readonly timeLeft: number | null;
  readonly targetTimeMs: number | null;
  readonly runStartedAtMs: number | null;
  readonly state: SessionState;
  readonly isCompleted: boolean;
  readonly dailyGoalMinutes: number | null;
  /** Seconds spent today as of the response's `serverTimeMs`. */
  readonly focusSeconds: number;
  readonly version: number;
  readonly createdAt: string;
  /** In the answer to a change: the instant it applied at. */
  readonly appliedAtMs?: number;
}

export interface SessionList {
  readonly sessions: Session[];
  readonly seq: number;
  readonly serverTimeMs: number;
  readonly appliedAtMs?: number;
}

export interface Group {
  readonly id: number;
  readonly name: string;
  readonly description: string;
}

export interface User {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly createdAt: string;
  readonly timeZone: string;
  readonly resetTime: string;
  readonly weekStart: string;
  readonly singleRunning: boolean;
  readonly currentDay: string;
  readonly currentDayEndsAtMs: number;
  readonly serverTimeMs: number;
  /** Names the settings' values; send it as `ifMatch` to `updateMe` so that settings changed since are not overwritten. */
  readonly settingsETag: string;
}

/** The timer rules' changes, and the group changes that the rules do not decide. */
export type EventType = ChangeType | 'addGroup' | 'editGroup' | 'deleteGroup';

/** One change of the user's data, as the hub sends it and the change feed stores it. */
export interface ChangeEvent {
  readonly type: EventType;
  readonly seq: number;
  readonly serverTimeMs: number;
  readonly appliedAtMs?: number;
  readonly session?: Session;
  readonly sessions?: Session[];
  readonly sessionId?: number;
  readonly group?: Group;
  readonly groupId?: number;
  readonly user?: User;
}

export interface ChangePage {
  readonly events: ChangeEvent[];
  readonly seq: number;
  readonly serverTimeMs: number;
  readonly hasMore: boolean;
}

export interface CreateSession {
  readonly title: string;
  readonly groupId?: number | null;
  readonly noGoal?: boolean;
  readonly initialDuration?: number;
  readonly dailyGoalMinutes?: number;
}

/** The fields of an edit; `groupId: null` takes the session out of its group. */
export interface EditSession {
  readonly title?: string;
  readonly groupId?: number | null;
  readonly initialDuration?: number;
  readonly dailyGoalMinutes?: number;
}

export interface UserSettingsPatch {
  readonly timeZone?: string;
  readonly resetTime?: string;
  readonly weekStart?: string;
  readonly singleRunning?: boolean;
}

/** When the person acted (server clock, epoch ms) and on which version of the session (SPEC section 7). */
export interface Timing {
  readonly at?: number;
  readonly baseVersion?: number;
}

export interface CommandOptions extends Timing {
  readonly idempotencyKey?: string;
}

export type SyncKind = 'start' | 'pause' | 'reset' | 'resetAll' | 'create' | 'edit' | 'delete';

export interface SyncOperation {
  readonly idempotencyKey: string;
  readonly kind: SyncKind;
  readonly sessionId?: number;
  readonly body?: CreateSession | EditSession;
  readonly at?: number;
  readonly baseVersion?: number;
}

/** RFC 9457 problem details, with the service's extensions. */
export interface ProblemDetails {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: Record<string, string[]>;
  readonly session?: Session;
  readonly user?: User;
  readonly seq?: number;
  readonly [extension: string]: unknown;
}

export interface SyncResult {
  readonly status: number;
  readonly session?: Session;
  readonly sessions?: Session[];
  readonly problem?: ProblemDetails;
  readonly appliedAtMs?: number;
}

export interface SyncResponse {
  readonly results: SyncResult[];
  readonly seq: number;
  readonly serverTimeMs: number;
}

export type Period = 'daily' | 'weekly' | 'monthly';

export interface AnalyticsQuery {
  readonly period: Period;
  readonly from?: string;
  readonly to?: string;
  readonly groupId?: number;
}

export interface AnalyticsItem {
  readonly sessionId: number;
  readonly title: string;
  readonly groupId: number | null;
  readonly seconds: number;
  readonly goalMinutes: number | null;
  readonly goalMet: boolean;
}

export interface AnalyticsBucket {
  readonly start: string;
  readonly end: string;
  readonly totalSeconds: number;
  readonly items: AnalyticsItem[];
}

/** The analytics report; the service adds streaks and a summary, kept as they come. */
export interface AnalyticsReport {
  readonly period: Period;
  readonly from: string;
  readonly to: string;
  readonly timeZone: string;
  readonly buckets: AnalyticsBucket[];
  readonly [extension: string]: unknown;
}
