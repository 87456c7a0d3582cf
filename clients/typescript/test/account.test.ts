import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  FeedGoneError,
  FocusSyncClient,
  LiveView,
  MemoryQueueStore,
  type ChangeEvent,
  type Group,
  type Session,
  type TokenProvider,
  type User,
} from '../src/index.js';
import { signUp, withFirebaseEmulator } from './support/emulator.js';
import { eachProvider } from './support/providers.js';
import { Service, newUid, type Provider } from './support/service.js';
import { countingFetch, until } from './support/wait.js';

const fast = { initialMs: 100, maxMs: 1_000 };

/** The JSON document of GET /me/export, as far as these tests read it. */
interface Export {
  readonly seq: number;
  readonly user: User;
  readonly groups: Group[];
  readonly sessions: (Session & { readonly deletedAtMs: number | null })[];
  readonly changes: ChangeEvent[];
}

const csvFiles = ['user.csv', 'groups.csv', 'sessions.csv', 'daily_times.csv', 'changes.csv'];

/** What a person sees of a session, apart from the time that runs on. */
const seen = (s: Session): string => `${s.id} ${s.title} ${s.groupId} ${s.state} v${s.version}`;
const byId = <T extends { readonly id: number }>(items: readonly T[]): T[] => [...items].sort((a, b) => a.id - b.id);

eachProvider('account data', (provider: Provider) => {
  let service: Service | undefined;
  const views: LiveView[] = [];

  const svc = (): Service => {
    if (service === undefined) throw new Error('the service did not start');
    return service;
  };

  function view(getToken: TokenProvider): LiveView {
    const created = new LiveView({ baseUrl: svc().baseUrl, getToken, queue: new MemoryQueueStore(), backoff: fast });
    views.push(created);
    return created;
  }

  /**
   * Changed settings, two groups, a countdown in a group, a running stopwatch and a deleted session, made through
   * the view where it can and through REST otherwise; resolves once the view has every change.
   */
  async function fill(live: LiveView): Promise<void> {
    const rest = live.client;
    await rest.updateMe({ timeZone: 'Europe/Paris', resetTime: '04:00', weekStart: 'sunday', singleRunning: false });
    const work = await rest.createGroup('Work');
    await rest.createGroup('Home', 'evenings');
    await live.create({ title: 'Write', groupId: work.id, initialDuration: 1500, dailyGoalMinutes: 60 });
    await live.create({ title: 'Read', noGoal: true });
    await live.create({ title: 'Old notes', initialDuration: 300, dailyGoalMinutes: 10 });
    await live.settled();
    const [write, read, old] = ['Write', 'Read', 'Old notes'].map((title) => live.sessions.find((s) => s.title === title)!.id);
    await live.start(write!);
    await live.start(read!);
    await live.delete(old!);
    await live.settled();
    const { seq } = await rest.listSessions();
    const holdsAll = (): boolean => live.seq === seq && live.user?.timeZone === 'Europe/Paris' && live.groups.length === 2;
    await until(live, holdsAll, 'the view to hold every change');
  }

  beforeAll(async () => {
    service = await Service.start(provider);
  });

  afterEach(async () => {
    await Promise.all(views.splice(0).map((v) => v.close()));
  });

  afterAll(async () => {
    await service?.dispose();
  });

  it('exportData() holds what the live view shows, and the deleted session marked as deleted', async () => {
    const uid = newUid();
    const live = view(() => svc().mint(uid));
    await live.connect();
    await fill(live);

    const data = (await live.client.exportData()) as Export;

    expect(data.seq).toBe(live.seq);
    const kept = data.sessions.filter((s) => s.deletedAtMs === null);
    expect(byId(kept).map(seen)).toEqual(byId(live.sessions).map(seen));
    const deleted = data.sessions.filter((s) => s.deletedAtMs !== null);
    expect(deleted.map((s) => s.title)).toEqual(['Old notes']);
    expect(live.session(deleted[0]!.id)).toBeUndefined();
    expect(byId(data.groups)).toEqual(byId(live.groups));
    const settings = (u: User | null): unknown[] => [u?.id, u?.timeZone, u?.resetTime, u?.weekStart, u?.singleRunning];
    expect(settings(data.user)).toEqual([uid, 'Europe/Paris', '04:00', 'sunday', false]);
    expect(settings(data.user)).toEqual(settings(live.user));
    expect(data.changes.at(-1)?.seq).toBe(live.seq);
  });

  it("exportData('csv') is a ZIP Blob of the five CSV files", async () => {
    const uid = newUid();
    const live = view(() => svc().mint(uid));
    await live.connect();
    await fill(live);

    const zip = await live.client.exportData('csv');

    expect(zip).toBeInstanceOf(Blob);
    expect(zip.type).toBe('application/zip');
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    // Each entry's name is stored uncompressed, in its local header and again in the central directory.
    const text = bytes.toString('latin1');
    for (const name of csvFiles) expect(text, name).toContain(name);
  });

  it('after deleteAccount() a new live view of the same token starts empty, and the old seq is gone from the feed', async () => {
    const token = svc().mint(newUid());
    const before = view(() => token);
    await before.connect();
    await fill(before);
    const oldSeq = before.seq;
    await before.close();

    await before.client.deleteAccount();

    const after = view(() => token);
    await after.connect();
    expect([after.sessions, after.groups, after.user?.timeZone]).toEqual([[], [], 'UTC']);
    const error = await after.client.changes(oldSeq).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedGoneError);
    await after.create({ title: 'A fresh start', noGoal: true });
    await after.settled();
    expect((await after.client.listSessions()).sessions.map((s) => s.title)).toEqual(['A fresh start']);
  });

  it('a live view left open while the account is deleted elsewhere stops for good instead of starting a new account', async () => {
    const uid = newUid();
    const open = view(() => svc().mint(uid));
    await open.connect();
    await fill(open);
    const statuses: string[] = [];
    open.subscribe(() => statuses.push(open.status));

    await new FocusSyncClient({ baseUrl: svc().baseUrl, getToken: () => svc().mint(uid) }).deleteAccount();

    await until(open, () => open.status === 'deleted', 'the open view to stop on the deletion');
    // Had it reconnected with its still-valid token, it would have read a new, empty account.
    expect(statuses).not.toContain('connecting');
    expect(open.sessions.length).toBeGreaterThan(0);
  });
});

withFirebaseEmulator('a Firebase Auth emulator token', (host: string) => {
  let service: Service | undefined;
  const views: LiveView[] = [];

  beforeAll(async () => {
    service = await Service.start('sqlite', { firebaseEmulator: host });
  });

  afterEach(async () => {
    await Promise.all(views.splice(0).map((v) => v.close()));
  });

  afterAll(async () => {
    await service?.dispose();
  });

  it("signs in a live view that syncs its changes and hears another device's over the hub", async () => {
    if (service === undefined) throw new Error('the service did not start');
    const user = await signUp(host);
    const requests = countingFetch();
    const live = new LiveView({
      baseUrl: service.baseUrl,
      getToken: () => user.idToken,
      fetch: requests.fetch,
      queue: new MemoryQueueStore(),
      backoff: fast,
    });
    views.push(live);
    const otherDevice = new FocusSyncClient({ baseUrl: service.baseUrl, getToken: () => user.idToken });
    await live.connect();
    expect([live.user?.id, live.user?.email]).toEqual([user.uid, user.email]);

    await live.create({ title: 'Mine', initialDuration: 1500, dailyGoalMinutes: 30 });
    await live.settled();
    const feedReads = requests.count('GET', '/changes');
    const heard: ChangeEvent[] = [];
    live.subscribe((change) => {
      if (change.type === 'event') heard.push(change.event);
    });
    const theirs = await otherDevice.createSession({ title: 'Theirs', noGoal: true });

    await until(live, () => live.session(theirs.id) !== undefined, 'the view to hear the other device');
    expect(heard.map((e) => [e.type, e.session?.id])).toContainEqual(['addSession', theirs.id]);
    expect(requests.count('GET', '/changes')).toBe(feedReads);
    expect(byId(live.sessions).map((s) => s.title)).toEqual(['Mine', 'Theirs']);
    const data = (await otherDevice.exportData()) as Export;
    expect([data.user.id, data.user.email, data.seq]).toEqual([user.uid, user.email, live.seq]);
  });
});
