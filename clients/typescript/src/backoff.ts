export interface BackoffOptions {
  /** The first delay, before jitter. */
  readonly initialMs: number;
  /** The longest delay, before jitter. */
  readonly maxMs: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * The delay before retry number `attempt` (0 first): exponential up to the maximum, then a random half of it taken
 * off, so that many clients cut off together do not all come back at the same instant.
 */
export function retryDelayMs(options: BackoffOptions, attempt: number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
