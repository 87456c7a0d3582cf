/**
 * The server's clock as this client estimates it (SPEC section 7: every instant is the server's). The offset comes
 * from the latest `serverTimeMs` of a response or hub event, never from a feed event's (that is when its change was made).
 */
export class ServerClock {
  private offsetMs = 0;

  constructor(private readonly localNow: () => number = Date.now) {}

  observe(serverTimeMs: number): void {
    if (Number.isFinite(serverTimeMs)) this.offsetMs = serverTimeMs - this.localNow();
  }

  get offset(): number {
    return this.offsetMs;
  }

  now(): number {
    return this.localNow() + this.offsetMs;
  }
}
