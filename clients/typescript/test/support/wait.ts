import type { LiveView } from '../../src/index.js';

/** Resolves once `condition` holds, checked now and after each change of the view; fails after `timeoutMs`. */
export function until(view: LiveView, condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (condition()) {
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = view.subscribe(() => {
      if (!condition()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

/** A fetch that counts the requests to each path (without the query). */
export function countingFetch(): { fetch: typeof fetch; count: (method: string, path: string) => number } {
  const counts = new Map<string, number>();
  return {
    fetch: (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const key = `${init?.method ?? 'GET'} ${url.pathname}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return fetch(input, init);
    },
    count: (method, path) => counts.get(`${method} ${path}`) ?? 0,
  };
}
