import { HubConnectionBuilder, LogLevel, type HubConnection } from '@microsoft/signalr';
import { defaultBackoff, retryDelayMs, type BackoffOptions } from './backoff.js';
import { ServerClock } from './clock.js';
import { ApiError, FeedGoneError, StaleVersionError, ValidationError } from './errors.js';
import { applyLocally, type LiveSession } from './optimistic.js';
import { IndexedDbQueueStore, MemoryQueueStore, type QueueStore, type QueuedOperation } from './queue.js';
import { FocusSyncClient, type ClientOptions } from './rest.js';
import type {
  ChangeEvent,
  CreateSession,
  EditSession,
  Group,
  Session,
  SyncKind,
  SyncOperation,
  SyncResponse,
  SyncResult,
  User,
} from './types.js';

/**
 * `deleted`: the account was deleted (on any device); the view has stopped for good rather than reconnect, which with a
 * still-valid token would start a new, empty account. What was queued stays in the store, unsent.
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'refused' | 'closed' | 'deleted';

/** What changed in a view; every listener hears each one after the view has applied it. */
export type ViewChange =
  | { readonly type: 'snapshot' }
  | { readonly type: 'event'; readonly event: ChangeEvent }
  | { readonly type: 'local'; readonly operation: QueuedOperation }
  | { readonly type: 'confirmed'; readonly operation: QueuedOperation; readonly result: SyncResult }
  | { readonly type: 'rejected'; readonly operation: QueuedOperation; readonly error: ApiError }
  | { readonly type: 'status'; readonly status: ConnectionStatus };

/**
 * What a view held, to start the next one from: a page opened without a network shows it at once, and once the
 * service answers the view carries on from its `seq` through the change feed.
 */
export interface ViewSnapshot {
  readonly seq: number;
  readonly user: User | null;
  readonly sessions: readonly LiveSession[];
  readonly groups: readonly Group[];
  /** The server's clock minus the local one when the snapshot was taken. */
  readonly clockOffsetMs: number;
}

/** When an action was asked for (default: now, on the server's clock), and how long it may still be withdrawn. */
export interface ActOptions {
  readonly at?: number;
  /**
   * Milliseconds during which the action is kept, unapplied and unsent, so that {@link LiveView.withdraw} can still
   * take it back (an undo). It is in the queue from the start, so a page closed meanwhile loses nothing.
   */
  readonly holdMs?: number;
}

export interface LiveViewOptions extends ClientOptions {
  /** Where queued actions wait for the service: IndexedDB in a browser, memory elsewhere, unless given. */
  readonly queue?: QueueStore;
  /** What a previous view held ({@link LiveView.snapshot}): the view starts from it instead of from nothing. */
  readonly snapshot?: ViewSnapshot;
  readonly backoff?: BackoffOptions;
  /** Events read from the change feed per request. */
  readonly feedPage?: number;
}

const feedPageDefault = 500;
const syncBatch = 100;
// SignalR keeps a refused negotiation's status only in its message.
const refused = (error: unknown): boolean => /Status code '401'|401/.test(String((error as Error | undefined)?.message ?? error));
const tokenExpired = (error: unknown): boolean => /Token expired/.test(String((error as Error | undefined)?.message ?? error));
const overCap = (error: unknown): boolean => /Too many connections/.test(String((error as Error | undefined)?.message ?? error));
const accountDeleted = (error: unknown): boolean => /Account deleted/.test(String((error as Error | undefined)?.message ?? error));

function defaultQueue(baseUrl: string): QueueStore {
  return typeof indexedDB === 'undefined' ? new MemoryQueueStore() : new IndexedDbQueueStore(`focussync-queue ${baseUrl}`);
}

/**
 * The user's sessions, groups and settings, kept current over the hub (docs/realtime.md, "The client's part"):
 * events applied in seq order, the change feed read after a gap or a reconnect, everything read again only on a
 * 410. Actions apply at once through the ported timer rules and wait in a queue that `/sync` replays, with `at`,
 * `baseVersion` and idempotency keys, whenever the service can be reached.
 */
export class LiveView {
  readonly client: FocusSyncClient;
  readonly clock = new ServerClock();
  private readonly options: LiveViewOptions;
  private readonly backoff: BackoffOptions;
  private readonly queue: QueueStore;
  private readonly listeners = new Set<(change: ViewChange) => void>();
  private readonly entries = new Map<number, LiveSession>();
  private readonly groupMap = new Map<number, Group>();
  private userValue: User | null = null;
  private seqValue = 0;
  private loaded = false;
  private statusValue: ConnectionStatus = 'closed';
  private connection: HubConnection | null = null;
  private forceRefresh = false;
  private resyncing: Promise<void> | null = null;
  private pendingEvents: ChangeEvent[] = [];
  /**
   * While a batch with a create is on its way, events wait: the create's own event comes before its answer, and
   * applied first it would show the session twice, under its local id and its real one.
   */
  private awaitingCreate = false;
  private flushing: Promise<void> | null = null;
  private flushRetry: ReturnType<typeof setTimeout> | null = null;
  private flushFailures = 0;
  private resyncRetry: ReturnType<typeof setTimeout> | null = null;
  private resyncFailures = 0;
  /** After a batch refused as a whole (a 400), operations go one by one to find the one at fault. */
  private oneByOne = false;
  private nextPosition = 0;
  private nextLocalId = -1;
  private readonly idle = new Set<() => void>();
  /** Held actions by idempotency key, with the timer that releases each. */
  private readonly held = new Map<string, { operation: QueuedOperation; timer: ReturnType<typeof setTimeout> }>();
  private wakeLoop: (() => void) | null = null;
  /** Local ids of sessions created here, to the ids the service gave them: a page may still act on the local one. */
  private readonly resolvedIds = new Map<number, number>();

  constructor(options: LiveViewOptions) {
    this.options = options;
    this.backoff = options.backoff ?? defaultBackoff;
    this.queue = options.queue ?? defaultQueue(options.baseUrl);
    this.client = new FocusSyncClient({ ...options, getToken: ({ forceRefresh }) => this.token(forceRefresh) });
    const snapshot = options.snapshot;
    if (snapshot !== undefined) {
      snapshot.sessions.forEach((s) => this.entries.set(s.id, s));
      snapshot.groups.forEach((g) => this.groupMap.set(g.id, g));
      this.userValue = snapshot.user;
      this.seqValue = snapshot.seq;
      this.loaded = true;
      this.clock.observe(Date.now() + snapshot.clockOffsetMs);
    }
  }

  /** What the view holds now, to start a later view from (see {@link LiveViewOptions.snapshot}). */
  snapshot(): ViewSnapshot {
    return { seq: this.seqValue, user: this.userValue, sessions: this.sessions, groups: this.groups, clockOffsetMs: this.clock.offset };
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** The user's seq the view has applied up to. */
  get seq(): number {
    return this.seqValue;
  }

  get user(): User | null {
    return this.userValue;
  }

  get sessions(): LiveSession[] {
    return [...this.entries.values()];
  }

  get groups(): Group[] {
    return [...this.groupMap.values()];
  }

  /** The session with this id, or with the id the service gave the session created under this local id. */
  session(id: number): LiveSession | undefined {
    return this.entries.get(this.resolvedIds.get(id) ?? id);
  }

  /** Seconds left now on the server's clock: a running countdown ticks down from its target; null when goalless. */
  timeLeft(session: LiveSession, nowMs = this.clock.now()): number | null {
    if (session.noGoal || session.timeLeft === null) return null;
    if (session.state !== 'RUNNING' || session.targetTimeMs === null) return session.timeLeft;
    return Math.max(0, (session.targetTimeMs - nowMs) / 1000);
  }

  /** Seconds spent today, now: a running session's grow from when they were read, up to its countdown's target. */
  focusSeconds(session: LiveSession, nowMs = this.clock.now()): number {
    if (session.state !== 'RUNNING') return session.focusSeconds;
    const until = session.targetTimeMs === null ? nowMs : Math.min(nowMs, session.targetTimeMs);
    return session.focusSeconds + Math.max(0, until - session.asOfMs) / 1000;
  }

  /** A running countdown past its target shows completed at once, before the service's `complete` event arrives. */
  isCompleted(session: LiveSession, nowMs = this.clock.now()): boolean {
    return session.isCompleted || (session.state === 'RUNNING' && session.targetTimeMs !== null && nowMs >= session.targetTimeMs);
  }

  /** Calls `listener` after every change; returns what unsubscribes it. */
  subscribe(listener: (change: ViewChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Connects to the hub, replays what is queued and reads the user's data; resolves once the view holds it. While
   * the service cannot be reached it keeps trying, for ever, with jittered backoff.
   */
  async connect(): Promise<void> {
    const queued = await this.queue.load();
    this.nextPosition = Math.max(0, ...queued.map((o) => o.position + 1));
    this.nextLocalId = Math.min(-1, ...queued.map((o) => (o.localId ?? 0) - 1));
    // Held by a page that is gone: nothing can withdraw them any more.
    for (const operation of queued) if (operation.heldUntilMs !== undefined) await this.applyAndQueue(unheld(operation));
    const connection = new HubConnectionBuilder()
      .withUrl(`${this.client.baseUrl}/hubs/sessions`, {
        accessTokenFactory: () => this.token(false),
      })
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: ({ previousRetryCount, retryReason }) => {
          if (tokenExpired(retryReason)) {
            // Routine once per token lifetime: straight back with a fresh token.
            this.forceRefresh = true;
            return 0;
          }
          if (refused(retryReason)) this.forceRefresh = true;
          this.setStatus('reconnecting');
          return retryDelayMs(this.backoff, previousRetryCount);
        },
      })
      .configureLogging(LogLevel.None)
      .build();
    connection.on('event', (event: ChangeEvent) => {
      this.clock.observe(event.serverTimeMs);
      this.receive(event);
    });
    connection.onreconnecting((error) => {
      if (!tokenExpired(error)) this.setStatus('reconnecting');
    });
    connection.onreconnected(() => {
      this.setStatus('live');
      void this.catchUp();
    });
    connection.onclose((error) => {
      if (this.connection !== connection) return;
      if (overCap(error)) this.setStatus('refused');
      else if (accountDeleted(error)) void this.stop('deleted');
      else void this.startLoop(connection);
    });
    this.connection = connection;
    await this.startLoop(connection);
  }

  /** Stops listening; queued actions stay in the store for the next view. */
  close(): Promise<void> {
    return this.stop('closed');
  }

  private async stop(status: 'closed' | 'deleted'): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (this.flushRetry !== null) clearTimeout(this.flushRetry);
    if (this.resyncRetry !== null) clearTimeout(this.resyncRetry);
    this.flushRetry = null;
    this.resyncRetry = null;
    this.held.forEach((h) => clearTimeout(h.timer));
    this.held.clear();
    this.wakeLoop?.();
    this.setStatus(status);
    await connection?.stop();
  }

  /**
   * Sends what is queued and reads the feed now, cutting short any retry's wait: for when the network comes back or
   * a page wakes from sleep, so that it shows what changed meanwhile rather than what it held before.
   */
  refresh(): Promise<void> {
    if (this.connection === null) return Promise.resolve();
    this.wakeLoop?.();
    if (this.flushRetry !== null) clearTimeout(this.flushRetry);
    if (this.resyncRetry !== null) clearTimeout(this.resyncRetry);
    this.flushRetry = null;
    this.resyncRetry = null;
    this.flushFailures = 0;
    this.resyncFailures = 0;
    return this.catchUp();
  }

  /** Takes back a held action; false once it was released (applied and on its way). */
  async withdraw(operation: QueuedOperation): Promise<boolean> {
    const held = this.held.get(operation.idempotencyKey);
    if (held === undefined) return false;
    clearTimeout(held.timer);
    this.held.delete(operation.idempotencyKey);
    await this.queue.delete(operation.idempotencyKey);
    return true;
  }

  /** Ends a held action's hold early: it applies and is sent now. */
  async release(operation: QueuedOperation): Promise<void> {
    const held = this.held.get(operation.idempotencyKey);
    if (held === undefined) return;
    clearTimeout(held.timer);
    this.held.delete(operation.idempotencyKey);
    await this.applyAndQueue(unheld(held.operation));
  }

  /**
   * For a page being closed: sends every held action at once, without waiting for the store, which a closing page
   * has no time for. They stay queued, so the next view sends them again should this request not arrive; a replay
   * of an idempotency key changes nothing.
   */
  leave(): void {
    const held = [...this.held.values()].map((h) => toWire(unheld(h.operation)));
    if (held.length > 0) void this.client.sync(held).catch(() => undefined);
  }

  /** The actions still waiting for the service. */
  pending(): Promise<QueuedOperation[]> {
    return this.queue.load();
  }

  /** Resolves once nothing is queued and no read is under way. */
  async settled(): Promise<void> {
    for (;;) {
      await Promise.all([this.flushing, this.resyncing]);
      if (this.flushing === null && this.resyncing === null && (await this.queue.load()).length === 0) return;
      await new Promise<void>((resolve) => this.idle.add(resolve));
    }
  }

  start(id: number, options?: ActOptions): Promise<QueuedOperation> {
    return this.act('start', id, undefined, options);
  }

  pause(id: number, options?: ActOptions): Promise<QueuedOperation> {
    return this.act('pause', id, undefined, options);
  }

  reset(id: number, options?: ActOptions): Promise<QueuedOperation> {
    return this.act('reset', id, undefined, options);
  }

  resetAll(options?: ActOptions): Promise<QueuedOperation> {
    return this.act('resetAll', undefined, undefined, options);
  }

  /** Creates a session; until the service has it, it lives under a negative local id. */
  create(session: CreateSession, options?: ActOptions): Promise<QueuedOperation> {
    return this.act('create', undefined, session, options);
  }

  edit(id: number, edit: EditSession, options?: ActOptions): Promise<QueuedOperation> {
    return this.act('edit', id, edit, options);
  }

  delete(id: number, options?: ActOptions): Promise<QueuedOperation> {
    return this.act('delete', id, undefined, options);
  }

  /**
   * Applies the action at once, keeps it in the queue (persisted before this resolves) and sends it when it can:
   * `at` is when it was asked for on the server's clock, `baseVersion` the version it was made on. A held action
   * waits in the queue, unapplied and unsent, until its hold ends or it is withdrawn.
   */
  private async act(kind: SyncKind, sessionId?: number, body?: CreateSession | EditSession, options: ActOptions = {}): Promise<QueuedOperation> {
    const at = Math.round(options.at ?? this.clock.now());
    if (sessionId !== undefined) sessionId = this.resolvedIds.get(sessionId) ?? sessionId;
    const onSession = kind !== 'create' && kind !== 'resetAll';
    const target = sessionId === undefined ? undefined : this.entries.get(sessionId);
    if (onSession && target === undefined) throw new Error(`The view holds no session ${sessionId}.`);
    const operation: QueuedOperation = {
      position: this.nextPosition++,
      idempotencyKey: crypto.randomUUID(),
      kind,
      at,
      ...(sessionId === undefined ? {} : { sessionId }),
      ...(kind === 'create' ? { localId: this.nextLocalId-- } : {}),
      ...(body === undefined ? {} : { body }),
      ...(target === undefined ? {} : { baseVersion: target.version }),
    };
    if (options.holdMs === undefined) {
      await this.applyAndQueue(operation);
      return operation;
    }
    const heldOperation = { ...operation, heldUntilMs: Date.now() + options.holdMs };
    await this.queue.put(heldOperation);
    const timer = setTimeout(() => void this.release(heldOperation), options.holdMs);
    this.held.set(operation.idempotencyKey, { operation: heldOperation, timer });
    return heldOperation;
  }

  /** Applies an action to the view as of its `at`, keeps it in the queue and starts sending it. */
  private async applyAndQueue(operation: QueuedOperation): Promise<void> {
    const local = applyLocally(this.sessions, this.userValue, operation, operation.at);
    local.changed.forEach((s) => this.entries.set(s.id, s));
    local.deleted.forEach((id) => this.entries.delete(id));
    await this.queue.put(operation);
    this.emit({ type: 'local', operation });
    void this.flush();
  }

  /** The provider's token for a request or a connect; a fresh one when the service refused or expired the last. */
  private async token(forceRefresh: boolean): Promise<string> {
    const refresh = forceRefresh || this.forceRefresh;
    this.forceRefresh = false;
    return this.options.getToken({ forceRefresh: refresh });
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.statusValue === status) return;
    this.statusValue = status;
    this.emit({ type: 'status', status });
  }

  private emit(change: ViewChange): void {
    this.listeners.forEach((listener) => listener(change));
  }

  private wakeIdle(): void {
    const waiting = [...this.idle];
    this.idle.clear();
    waiting.forEach((resolve) => resolve());
  }

  private async startLoop(connection: HubConnection): Promise<void> {
    for (let attempt = 0; this.connection === connection; attempt++) {
      this.setStatus(attempt === 0 ? 'connecting' : 'offline');
      try {
        await connection.start();
        this.setStatus('live');
        await this.catchUp();
        return;
      } catch (error) {
        if (refused(error)) this.forceRefresh = true;
        if (this.connection === connection) this.setStatus('offline');
        await this.wait(retryDelayMs(this.backoff, attempt));
      }
    }
  }

  /** Waits `ms` before the next connect attempt, or less when {@link refresh} says the network is back. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeLoop === done) this.wakeLoop = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeLoop = done;
    });
  }

  /** After a connect: what is queued goes first, so that the feed then brings its changes with everyone else's. */
  private async catchUp(): Promise<void> {
    await this.flush();
    await this.resync();
  }

  /** Brings the view up to date from the feed, or from a full read when it has nothing yet or the feed answers 410. */
  private resync(): Promise<void> {
    this.resyncing ??= (async () => {
      try {
        if (!this.loaded || !(await this.readFeed())) await this.readAll();
        this.resyncFailures = 0;
      } catch {
        // The events held back are read again by the next attempt, which comes after a pause or a reconnect.
        this.pendingEvents = [];
        this.scheduleResync();
      } finally {
        this.resyncing = null;
        this.receiveHeldBack();
        this.wakeIdle();
      }
    })();
    return this.resyncing;
  }

  private scheduleResync(): void {
    if (this.resyncRetry !== null || this.connection === null) return;
    this.resyncRetry = setTimeout(() => {
      this.resyncRetry = null;
      void this.resync();
    }, retryDelayMs(this.backoff, this.resyncFailures++));
  }

  /** The sessions first: groups and the user read after them are at least as new, and later changes come as events. */
  private async readAll(): Promise<void> {
    const list = await this.client.listSessions();
    const [groups, user] = await Promise.all([this.client.listGroups(), this.client.me()]);
    this.clock.observe(list.serverTimeMs);
    const unsent = [...this.entries.values()].filter((s) => s.id < 0);
    this.entries.clear();
    list.sessions.forEach((s) => this.entries.set(s.id, { ...s, asOfMs: list.serverTimeMs }));
    unsent.forEach((s) => this.entries.set(s.id, s));
    this.groupMap.clear();
    groups.forEach((g) => this.groupMap.set(g.id, g));
    this.userValue = user;
    this.seqValue = list.seq;
    this.loaded = true;
    this.emit({ type: 'snapshot' });
  }

  /** Applies the feed's events after the view's seq, page by page; false when the feed answers 410. */
  private async readFeed(): Promise<boolean> {
    for (;;) {
      let page;
      try {
        page = await this.client.changes(this.seqValue, this.options.feedPage ?? feedPageDefault);
      } catch (error) {
        if (error instanceof FeedGoneError) return false;
        throw error;
      }
      const from = this.seqValue;
      this.clock.observe(page.serverTimeMs);
      page.events.forEach((event) => {
        if (event.seq === this.seqValue + 1) this.apply(event);
      });
      if (!page.hasMore || this.seqValue === from) return true;
    }
  }

  private receiveHeldBack(): void {
    const queued = this.pendingEvents;
    this.pendingEvents = [];
    queued.forEach((event) => this.receive(event));
  }

  private receive(event: ChangeEvent): void {
    if (this.resyncing !== null || !this.loaded || this.awaitingCreate) {
      this.pendingEvents.push(event);
    } else if (event.seq > this.seqValue + 1) {
      this.pendingEvents.push(event);
      void this.resync();
    } else if (event.seq === this.seqValue + 1) {
      this.apply(event);
    }
  }

  /** Applies one event whose seq directly follows the view's; an older version never replaces a newer one. */
  private apply(event: ChangeEvent): void {
    const asOfMs = event.serverTimeMs;
    if ((event.type === 'resetAll' || event.type === 'autoReset') && event.sessions !== undefined) {
      for (const id of [...this.entries.keys()]) if (id > 0) this.entries.delete(id);
      event.sessions.forEach((s) => this.entries.set(s.id, { ...s, asOfMs }));
    } else {
      event.sessions?.forEach((s) => this.put(s, asOfMs));
    }
    if (event.session !== undefined) this.put(event.session, asOfMs);
    if (event.type === 'deleteSession' && event.sessionId !== undefined) this.entries.delete(event.sessionId);
    if (event.group !== undefined) this.groupMap.set(event.group.id, event.group);
    if (event.type === 'deleteGroup' && event.groupId !== undefined) this.groupMap.delete(event.groupId);
    if (event.user !== undefined) this.userValue = event.user;
    this.seqValue = event.seq;
    this.emit({ type: 'event', event });
  }

  private put(session: Session, asOfMs: number, onlyNewer = false): void {
    const current = this.entries.get(session.id);
    if (current === undefined || current.version < session.version || (!onlyNewer && current.version === session.version)) {
      this.entries.set(session.id, { ...session, asOfMs });
    }
  }

  /** Sends the queue through `/sync` until it is empty or the service cannot be reached; one flush at a time. */
  private flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        while (await this.sendBatch()) this.flushFailures = 0;
      } catch {
        // Unreachable, busy (429, 5xx) or refused for now: each operation stays queued and replays unchanged.
        this.scheduleFlush();
      } finally {
        this.flushing = null;
        this.wakeIdle();
      }
    })();
    return this.flushing;
  }

  private scheduleFlush(): void {
    if (this.flushRetry !== null || this.connection === null) return;
    this.flushRetry = setTimeout(() => {
      this.flushRetry = null;
      void this.flush();
    }, retryDelayMs(this.backoff, this.flushFailures++));
  }

  /**
   * Sends the next batch; false when nothing is queued. A batch stops before an operation on a session created
   * offline whose create is in it: that operation needs the real id the create's result brings.
   */
  private async sendBatch(): Promise<boolean> {
    const queued = await this.queue.load();
    if (queued.length === 0) return false;
    const batch: QueuedOperation[] = [];
    let needsRefetch = false;
    for (const operation of queued) {
      if (batch.length === (this.oneByOne ? 1 : syncBatch)) break;
      // Everything after a held action waits with it: sent before it, a later action could change the version it was made on.
      if (this.held.has(operation.idempotencyKey)) break;
      const unresolved = operation.sessionId !== undefined && operation.sessionId < 0;
      if (unresolved && batch.some((o) => o.localId === operation.sessionId)) break;
      if (unresolved && !queued.some((o) => o.localId === operation.sessionId)) {
        // Its create was refused: the session never existed on the service.
        await this.queue.delete(operation.idempotencyKey);
        this.emit({ type: 'rejected', operation, error: new ApiError(404, { status: 404, detail: 'Its session was never created.' }) });
        needsRefetch = true;
        continue;
      }
      batch.push(operation);
    }
    // Only held actions, or what waits behind them: their release flushes again.
    if (batch.length === 0 && !needsRefetch) return false;
    if (batch.length > 0) {
      this.awaitingCreate = batch.some((o) => o.kind === 'create');
      try {
        const response = await this.syncOrReject(batch);
        if (response === null) return true;
        this.clock.observe(response.serverTimeMs);
        for (const [i, result] of response.results.entries()) {
          const operation = batch[i]!;
          if (result.status === 429 || result.status >= 500) {
            throw new ApiError(result.status, result.problem ?? { status: result.status });
          }
          await this.queue.delete(operation.idempotencyKey);
          needsRefetch = (await this.settle(operation, result, response.serverTimeMs)) || needsRefetch;
        }
      } finally {
        if (this.awaitingCreate) {
          this.awaitingCreate = false;
          this.receiveHeldBack();
        }
      }
    }
    if (needsRefetch) {
      this.loaded = false;
      await this.resync();
    }
    return true;
  }

  /**
   * Sends a batch. The service checks every operation's fields before applying any, so one bad operation refuses
   * the whole batch with a 400: then they go one by one, and the one refused alone is dropped and reported.
   */
  private async syncOrReject(batch: QueuedOperation[]): Promise<SyncResponse | null> {
    try {
      const response = await this.client.sync(batch.map(toWire));
      this.oneByOne = false;
      return response;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (batch.length > 1) {
        this.oneByOne = true;
        return null;
      }
      await this.queue.delete(batch[0]!.idempotencyKey);
      this.emit({ type: 'rejected', operation: batch[0]!, error });
      this.loaded = false;
      await this.resync();
      return null;
    }
  }

  /** Takes in one operation's result; true when the view's optimistic state may now be wrong beyond repair by events. */
  private async settle(operation: QueuedOperation, result: SyncResult, serverTimeMs: number): Promise<boolean> {
    if (result.status < 300) {
      if (operation.localId !== undefined && result.session !== undefined) {
        await this.resolveLocalId(operation.localId, result.session.id);
      }
      // Only a newer version: the answer's live fields are as of an instant it does not give, while the event of the
      // same change, which follows, gives its own.
      if (result.session !== undefined) this.put(result.session, serverTimeMs, true);
      result.sessions?.forEach((s) => this.put(s, serverTimeMs, true));
      this.emit({ type: 'confirmed', operation, result });
      return false;
    }
    const error = ApiError.from(result.status, result.problem ?? { status: result.status });
    if (error instanceof StaleVersionError) this.put(error.current, serverTimeMs);
    this.emit({ type: 'rejected', operation, error });
    return !(error instanceof StaleVersionError);
  }

  /** A session created offline now has its real id: the view and the queued operations on it move over. */
  private async resolveLocalId(localId: number, id: number): Promise<void> {
    this.resolvedIds.set(localId, id);
    // What was done to it here since stays shown under its real id, until the service's newer versions replace it.
    const local = this.entries.get(localId);
    this.entries.delete(localId);
    if (local !== undefined && !this.entries.has(id)) this.entries.set(id, { ...local, id });
    for (const operation of await this.queue.load()) {
      if (operation.sessionId === localId) await this.queue.put({ ...operation, sessionId: id });
    }
  }
}

function toWire(operation: QueuedOperation): SyncOperation {
  const { position: _position, localId: _localId, heldUntilMs: _heldUntilMs, ...wire } = operation;
  return wire;
}

function unheld(operation: QueuedOperation): QueuedOperation {
  const { heldUntilMs: _heldUntilMs, ...rest } = operation;
  return rest;
}
