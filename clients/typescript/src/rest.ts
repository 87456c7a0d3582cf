import { ApiError, UnreachableError } from './errors.js';
import type {
  AnalyticsQuery,
  AnalyticsReport,
  ChangePage,
  CommandOptions,
  CreateSession,
  EditSession,
  Group,
  ProblemDetails,
  Session,
  SessionList,
  SyncOperation,
  SyncResponse,
  Timing,
  User,
  UserSettingsPatch,
} from './types.js';

/**
 * Gives the ID token for a request or a hub connection. It is called on every request and every connect;
 * `forceRefresh` is true after the service refused or stopped accepting the last one (Firebase: `getIdToken(true)`).
 */
export type TokenProvider = (request: { readonly forceRefresh: boolean }) => string | Promise<string>;

export interface ClientOptions {
  /** The service's address, e.g. "https://focus.example.com". */
  readonly baseUrl: string;
  readonly getToken: TokenProvider;
  readonly fetch?: typeof fetch;
}

interface RequestOptions {
  readonly body?: unknown;
  readonly accept?: string;
  readonly headers?: Record<string, string>;
}

/** Typed calls of the FocusSync REST API; a refusal throws an {@link ApiError} subclass, no answer an {@link UnreachableError}. */
export class FocusSyncClient {
  readonly baseUrl: string;
  private readonly getToken: TokenProvider;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.getToken = options.getToken;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  login(): Promise<User> {
    return this.json('POST', '/me/login');
  }

  me(): Promise<User> {
    return this.json('GET', '/me');
  }

  /**
   * Changes the settings in `patch`. With `ifMatch` (the `settingsETag` of the user shown), settings changed since
   * are a {@link StaleSettingsError} carrying the user as they are now, and nothing changes.
   */
  updateMe(patch: UserSettingsPatch, options: { ifMatch?: string } = {}): Promise<User> {
    return this.json('PATCH', '/me', { body: patch, ...(options.ifMatch ? { headers: { 'If-Match': options.ifMatch } } : {}) });
  }

  /** Everything the service keeps about the user, as JSON. */
  exportData(): Promise<unknown>;
  /** Everything the service keeps about the user, as a ZIP of CSV files. */
  exportData(format: 'csv'): Promise<Blob>;
  async exportData(format?: 'csv'): Promise<unknown> {
    if (format === undefined) return this.json('GET', '/me/export');
    return (await this.send('GET', '/me/export', { accept: 'text/csv' })).blob();
  }

  /** Deletes the account and everything kept about it. */
  async deleteAccount(): Promise<void> {
    await this.send('DELETE', '/me');
  }

  listSessions(): Promise<SessionList> {
    return this.json('GET', '/sessions');
  }

  getSession(id: number): Promise<Session> {
    return this.json('GET', `/sessions/${id}`);
  }

  createSession(session: CreateSession, options: Omit<CommandOptions, 'baseVersion'> = {}): Promise<Session> {
    return this.json('POST', '/sessions', { body: { ...session, ...timing(options) }, headers: keyHeader(options) });
  }

  start(id: number, options: CommandOptions = {}): Promise<Session> {
    return this.action(id, 'start', options);
  }

  pause(id: number, options: CommandOptions = {}): Promise<Session> {
    return this.action(id, 'pause', options);
  }

  reset(id: number, options: CommandOptions = {}): Promise<Session> {
    return this.action(id, 'reset', options);
  }

  resetAll(options: Omit<CommandOptions, 'baseVersion'> = {}): Promise<SessionList> {
    return this.json('POST', '/sessions/actions/reset-all', { body: timing(options), headers: keyHeader(options) });
  }

  editSession(id: number, edit: EditSession, options: CommandOptions = {}): Promise<Session> {
    return this.json('PATCH', `/sessions/${id}`, { body: { ...edit, ...timing(options) }, headers: keyHeader(options) });
  }

  async deleteSession(id: number, options: CommandOptions = {}): Promise<void> {
    const query = new URLSearchParams(Object.entries(timing(options)).map(([k, v]) => [k, String(v)])).toString();
    await this.send('DELETE', `/sessions/${id}${query ? `?${query}` : ''}`, { headers: keyHeader(options) });
  }

  async listGroups(): Promise<Group[]> {
    return (await this.json<{ groups: Group[] }>('GET', '/groups')).groups;
  }

  createGroup(name: string, description = ''): Promise<Group> {
    return this.json('POST', '/groups', { body: { name, description } });
  }

  editGroup(id: number, edit: { readonly name?: string; readonly description?: string }): Promise<Group> {
    return this.json('PATCH', `/groups/${id}`, { body: edit });
  }

  async deleteGroup(id: number): Promise<void> {
    await this.send('DELETE', `/groups/${id}`);
  }

  /** The events after `since`; a {@link FeedGoneError} when the feed no longer reaches back to it. */
  changes(since: number, limit?: number): Promise<ChangePage> {
    return this.json('GET', `/changes?since=${since}${limit === undefined ? '' : `&limit=${limit}`}`);
  }

  /** Applies queued operations in order (at most 100); each result is what its own endpoint would have answered. */
  sync(operations: readonly SyncOperation[]): Promise<SyncResponse> {
    return this.json('POST', '/sync', { body: { operations } });
  }

  analytics(query: AnalyticsQuery): Promise<AnalyticsReport> {
    return this.json('GET', `/analytics?${analyticsQuery(query)}`);
  }

  async analyticsCsv(query: AnalyticsQuery): Promise<string> {
    return (await this.send('GET', `/analytics?${analyticsQuery(query)}`, { accept: 'text/csv' })).text();
  }

  private action(id: number, name: string, options: CommandOptions): Promise<Session> {
    return this.json('POST', `/sessions/${id}/actions/${name}`, { body: timing(options), headers: keyHeader(options) });
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return (await (await this.send(method, path, options)).json()) as T;
  }

  /** One request; a 401 is retried once with a refreshed token (the service may have stopped accepting the old one). */
  private async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    let response = await this.attempt(method, path, options, false);
    if (response.status === 401) response = await this.attempt(method, path, options, true);
    if (!response.ok) throw ApiError.from(response.status, await problemOf(response));
    return response;
  }

  private async attempt(method: string, path: string, options: RequestOptions, forceRefresh: boolean): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: options.accept ?? 'application/json',
      Authorization: `Bearer ${await this.getToken({ forceRefresh })}`,
      ...options.headers,
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch (error) {
      throw new UnreachableError(error);
    }
  }
}

function timing(options: Timing): Timing {
  return {
    ...(options.at === undefined ? {} : { at: options.at }),
    ...(options.baseVersion === undefined ? {} : { baseVersion: options.baseVersion }),
  };
}

function keyHeader(options: { readonly idempotencyKey?: string }): Record<string, string> {
  return options.idempotencyKey === undefined ? {} : { 'Idempotency-Key': options.idempotencyKey };
}

function analyticsQuery(query: AnalyticsQuery): string {
  return new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString();
}

async function problemOf(response: Response): Promise<ProblemDetails> {
  const text = await response.text();
  try {
    return JSON.parse(text) as ProblemDetails;
  } catch {
    return { status: response.status, title: response.statusText, detail: text || `Request failed (${response.status})` };
  }
}
