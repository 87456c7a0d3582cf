// The server's clock is the only clock: every local reading is corrected by the last known offset.
let offsetMs = 0;

export function syncClock(serverTimeMs) {
  if (Number.isFinite(serverTimeMs)) offsetMs = serverTimeMs - Date.now();
}

export const serverNow = () => Date.now() + offsetMs;
