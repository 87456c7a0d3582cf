import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  FocusSyncClient,
  IndexedDbQueueStore,
  LiveView,
  MemoryQueueStore,
  StaleVersionError,
  type LiveSession,
  type LiveViewOptions,
  type Session,
  type ViewChange,
} from '../src/index.js';
import { eachProvider } from './support/providers.js';
import { Cable } from './support/proxy.js';
import { Service, newUid, type Provider } from './support/service.js';
import { countingFetch, until } from './support/wait.js';

const fast = { initialMs: 100, maxMs: 1_000 };
const countdown = { initialDuration: 1500, dailyGoalMinutes: 60 };

/** What two copies of the same sessions must agree on (live values compared at one instant, to the millisecond). */
function shape(sessions: readonly Session[], now: number, view: LiveView): string[] {
  return [...sessions]
    .sort((a, b) => a.id - b.id)
    .map((s) => {
      const live = { ...s, asOfMs: 'asOfMs' in s ? (s as LiveSession).asOfMs : now } as LiveSession;
      // In whole milliseconds: two sums of the same instants in floating point may round apart at a x.xx5 boundary.
      const ms = (seconds: number | null): number | null => (seconds === null ? null : Math.round(seconds * 1000));
      return `${s.id} v${s.version} ${s.state} ${s.isCompleted} ${s.title} ${s.groupId} leftMs=${ms(view.timeLeft(live, now))} focusMs=${ms(view.focusSeconds(live, now))}`;
    });
}

eachProvider('a live view', (provider: Provider) => {
  let service: Service | undefined;
  const views: LiveView[] = [];
  const cables: Cable[] = [];

  const svc = (): Service => {
    if (service === undefined) throw new Error('the service did not start');
    return service;
  };

  function view(uid: string, options: Partial<LiveViewOptions> = {}): LiveView {
    const created = new LiveView({
      baseUrl: svc().baseUrl,
      getToken: () => svc().mint(uid),
      queue: new MemoryQueueStore(),
      backoff: fast,
      ...options,
    });
    views.push(created);
    return created;
  }

  function rest(uid: string): FocusSyncClient {
    return new FocusSyncClient({ baseUrl: svc().baseUrl, getToken: () => svc().mint(uid) });
  }

  async function cable(): Promise<Cable> {
    const made = await Cable.to(svc().port);
    cables.push(made);
    return made;
  }

  async function expectEqualToServer(live: LiveView, uid: string): Promise<void> {
    const list = await rest(uid).listSessions();
    expect(live.seq).toBe(list.seq);
    const server = list.sessions.map((s) => ({ ...s, asOfMs: list.serverTimeMs }));
    expect(shape(live.sessions, list.serverTimeMs, live)).toEqual(shape(server, list.serverTimeMs, live));
  }

  beforeAll(async () => {
    service = await Service.start(provider);
  });

  afterEach(async () => {
    await Promise.all(views.splice(0).map((v) => v.close()));
    await Promise.all(cables.splice(0).map((c) => c.pull()));
  });

  afterAll(async () => {
    await service?.dispose();
  });

  it('two live views of one user converge on every change either makes', async () => {
    const uid = newUid();
    const [a, b] = [view(uid), view(uid)];
    await Promise.all([a.connect(), b.connect()]);

    await a.create({ title: 'Write', ...countdown });
    await a.settled();
    const id = a.sessions[0]!.id;
    await b.start(id);
    await b.create({ title: 'Read', noGoal: true });
    await b.settled();
    const { seq } = await rest(uid).listSessions();
    await until(a, () => a.seq === seq, 'a to hear every change');
    await until(b, () => b.seq === seq, 'b to hear every change');

    expect(a.sessions.map((s) => s.id).sort()).toEqual(b.sessions.map((s) => s.id).sort());
    const now = a.clock.now();
    expect(shape(a.sessions, now, a)).toEqual(shape(b.sessions, now, b));
    await expectEqualToServer(a, uid);
  });

  it('a view cut off from the network catches up from the change feed, without reading everything again', async () => {
    const uid = newUid();
    const network = await cable();
    const requests = countingFetch();
    const a = view(uid);
    const b = view(uid, { baseUrl: network.baseUrl, fetch: requests.fetch });
    await Promise.all([a.connect(), b.connect()]);
    await a.create({ title: 'Write', ...countdown });
    await a.settled();
    await until(b, () => b.sessions.length === 1, 'b to hear the create');
    const reads = requests.count('GET', '/sessions');

    await network.pull();
    await until(b, () => b.status !== 'live', 'b to notice the cut');
    await a.start(a.sessions[0]!.id);
    await a.create({ title: 'Read', noGoal: true });
    await a.settled();
    await network.plug();
    await until(b, () => b.seq === a.seq && b.status === 'live', 'b to catch up');

    expect(requests.count('GET', '/sessions')).toBe(reads);
    expect(requests.count('GET', '/changes')).toBeGreaterThan(0);
    await expectEqualToServer(b, uid);
  });

  it('an offline view acts, keeps its queue across a reload, replays it exactly once and ends equal to the server', async () => {
    const uid = newUid();
    const indexedDb = new IDBFactory();
    const storeName = `focussync ${uid}`;
    const firstStore = new IndexedDbQueueStore(storeName, indexedDb);
    const first = view(uid, { queue: firstStore });
    await first.connect();
    await first.create({ title: 'Write', ...countdown });
    await first.settled();
    const writeId = first.sessions[0]!.id;

    await svc().stop();
    await until(first, () => first.status !== 'live', 'the view to notice the service is gone');
    const startedAt = first.clock.now();
    await first.start(writeId);
    const created = await first.create({ title: 'Read', ...countdown });
    const readId = created.localId!;
    await first.start(readId);
    await first.pause(readId);
    const pausedAt = first.clock.now();
    // Optimistic: starting Read paused Write, by the same rules the service runs.
    expect(first.session(writeId)).toMatchObject({ state: 'PAUSED', version: 3 });
    expect(first.session(readId)).toMatchObject({ state: 'PAUSED', version: 3 });
    const queued = await firstStore.load();
    expect(queued.map((o) => o.kind)).toEqual(['start', 'create', 'start', 'pause']);

    // The page is closed, the service comes back on the same database and port, and the page is opened again.
    await first.close();
    await firstStore.close();
    await svc().restart();
    const requests = countingFetch();
    const secondStore = new IndexedDbQueueStore(storeName, indexedDb);
    const second = view(uid, { queue: secondStore, fetch: requests.fetch });
    const confirmed: ViewChange[] = [];
    second.subscribe((change) => change.type === 'confirmed' && confirmed.push(change));
    await second.connect();
    await second.settled();

    expect(confirmed).toHaveLength(4);
    // One batch up to the create, one with the operations on the session it made (they need its real id).
    expect(requests.count('POST', '/sync')).toBe(2);
    expect(await secondStore.load()).toEqual([]);
    await expectEqualToServer(second, uid);
    const server = (await rest(uid).listSessions()).sessions;
    expect(server.map((s) => [s.title, s.version, s.state])).toEqual([
      ['Write', 3, 'PAUSED'],
      ['Read', 3, 'PAUSED'],
    ]);
    // Each action applied when the person acted, not when it reached the service.
    const write = server[0]!;
    expect(write.focusSeconds).toBeLessThan((pausedAt - startedAt) / 1000 + 0.5);

    const seq = second.seq;
    const readOnServer = server[1]!.id;
    const replayed = await rest(uid).sync(
      queued.map(({ position: _p, localId: _l, ...o }) => (o.sessionId === readId ? { ...o, sessionId: readOnServer } : o)),
    );
    expect(replayed.seq).toBe(seq);
  });

  it('a stop made offline on a version another device has since changed is refused and reported with the server’s session', async () => {
    const uid = newUid();
    const network = await cable();
    const a = view(uid, { baseUrl: network.baseUrl });
    const b = view(uid);
    await Promise.all([a.connect(), b.connect()]);
    await b.create({ title: 'Write', ...countdown });
    await b.settled();
    const id = b.sessions[0]!.id;
    await b.start(id);
    await b.settled();
    await until(a, () => a.session(id)?.state === 'RUNNING', 'a to see it running');
    const rejected: ViewChange[] = [];
    a.subscribe((change) => change.type === 'rejected' && rejected.push(change));

    await network.pull();
    await until(a, () => a.status !== 'live', 'a to notice the cut');
    await a.pause(id);
    await b.reset(id);
    await b.settled();
    await network.plug();
    await until(a, () => rejected.length > 0 && a.seq === b.seq, 'a to replay its stop');
    await a.settled();

    const refusal = rejected[0] as Extract<ViewChange, { type: 'rejected' }>;
    expect(refusal.operation.kind).toBe('pause');
    expect(refusal.error).toBeInstanceOf(StaleVersionError);
    const current = (refusal.error as StaleVersionError).current;
    expect(current).toMatchObject({ id, state: 'PAUSED', version: b.session(id)!.version });
    await expectEqualToServer(a, uid);
  });

  it('asks its token provider again when the service ends a connection whose token expired', async () => {
    const uid = newUid();
    const calls: boolean[] = [];
    let refreshed: () => void = () => {};
    const askedForFresh = new Promise<void>((resolve) => (refreshed = resolve));
    // Until the view asks for a fresh token it gets one that expired 55 s ago: the service takes it within its
    // minute of clock skew and ends the connection some 5 s later.
    const live = view(uid, {
      getToken: ({ forceRefresh }) => {
        calls.push(forceRefresh);
        if (forceRefresh) refreshed();
        return calls.includes(true) ? svc().mint(uid) : svc().mint(uid, Date.now() - 120_000, 65_000);
      },
    });
    const closed: string[] = [];
    live.subscribe((change) => change.type === 'status' && closed.push(change.status));
    await live.connect();

    await askedForFresh;
    await until(live, () => live.status === 'live', 'the reconnect');
    await rest(uid).createGroup('heard again');
    await until(live, () => live.groups.some((g) => g.name === 'heard again'), 'the event after the reconnect');

    expect(calls.filter((fresh) => fresh)).not.toHaveLength(0);
    expect(closed).not.toContain('offline');
  });
});
