import type { ProblemDetails, Session, User } from './types.js';

/** A refusal from the service: its status and problem details (RFC 9457). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails,
  ) {
    super(problem.detail ?? problem.title ?? `Request failed (${status})`);
    this.name = 'ApiError';
  }

  /** The typed error for a status and its problem details. */
  static from(status: number, problem: ProblemDetails): ApiError {
    if (status === 400 && problem.errors !== undefined) return new ValidationError(problem, problem.errors);
    if (status === 412 && problem.session !== undefined) return new StaleVersionError(problem, problem.session);
    if (status === 412 && problem.user !== undefined) return new StaleSettingsError(problem, problem.user);
    if (status === 410) return new FeedGoneError(problem, typeof problem.seq === 'number' ? problem.seq : null);
    return new ApiError(status, problem);
  }
}

/** A 400: `errors` names each bad field with its messages. */
export class ValidationError extends ApiError {
  constructor(
    problem: ProblemDetails,
    readonly errors: Record<string, string[]>,
  ) {
    super(400, problem);
    this.name = 'ValidationError';
  }
}

/** A 412: the change was made on another version than the session's; `current` is the session as it is now. */
export class StaleVersionError extends ApiError {
  constructor(
    problem: ProblemDetails,
    readonly current: Session,
  ) {
    super(412, problem);
    this.name = 'StaleVersionError';
  }
}

/** A 412 from `PATCH /me`: the settings changed since the version sent; `current` is the user as they are now. */
export class StaleSettingsError extends ApiError {
  constructor(
    problem: ProblemDetails,
    readonly current: User,
  ) {
    super(412, problem);
    this.name = 'StaleSettingsError';
  }
}

/** A 410 from the change feed: it no longer reaches back to the seq asked for; read everything again. */
export class FeedGoneError extends ApiError {
  constructor(
    problem: ProblemDetails,
    readonly seq: number | null,
  ) {
    super(410, problem);
    this.name = 'FeedGoneError';
  }
}

/** The service could not be reached at all (no answer): the request may be tried again later. */
export class UnreachableError extends Error {
  constructor(cause: unknown) {
    super(`The service could not be reached: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'UnreachableError';
  }
}
