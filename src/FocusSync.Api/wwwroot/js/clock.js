// The server's clock is the only clock: every local reading is corrected by the last known offset. Until the live
// view exists that is the one /config gave; from then on it is the view's.
import { ServerClock } from '../vendor/focussync-client.js';

let clock = new ServerClock();
let observed = false;

export function syncClock(serverTimeMs) {
  clock.observe(serverTimeMs);
  observed = true;
}

export const serverNow = () => clock.now();

/** Reads `next` from now on; it takes over this page's offset when the page has heard the server itself. */
export function useClock(next) {
  if (observed) next.observe(clock.now());
  clock = next;
}
