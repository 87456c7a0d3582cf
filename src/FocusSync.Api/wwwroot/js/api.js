// Calls the FocusSync API with the signed-in user's token; errors carry the problem details' text.
import { auth } from './auth.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `Request failed (${status})`);
    this.status = status;
    this.problem = problem;
    this.errors = problem?.errors ?? {};
  }
}

/** `keepalive` lets a request outlive the page (a change sent as the tab closes). */
export async function api(method, path, body, { accept = 'application/json', keepalive = false, retried = false } = {}) {
  const headers = { Accept: accept, Authorization: `Bearer ${await auth.getToken()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, keepalive, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && !retried) {
    // The token may have been refused (e.g. a development server restarted with a new key): get a fresh one once.
    await auth.invalidate();
    return api(method, path, body, { accept, keepalive, retried: true });
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiError(response.status, problem);
  }
  if (response.status === 204) return null;
  return accept === 'application/json' ? response.json() : response;
}

export const get = (path) => api('GET', path);
export const post = (path, body, options) => api('POST', path, body, options);
export const patch = (path, body, options) => api('PATCH', path, body, options);
export const del = (path, options) => api('DELETE', path, undefined, options);
