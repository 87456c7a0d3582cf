import { afterAll, beforeAll, expect, it } from 'vitest';
import { FeedGoneError, FocusSyncClient, StaleSettingsError, StaleVersionError, ValidationError } from '../src/index.js';
import { eachProvider } from './support/providers.js';
import { Service, newUid, type Provider } from './support/service.js';

eachProvider('REST errors are typed', (provider: Provider) => {
  let service: Service | undefined;
  let client: FocusSyncClient;

  beforeAll(async () => {
    const started = await Service.start(provider);
    service = started;
    const token = await started.devToken(newUid());
    client = new FocusSyncClient({ baseUrl: started.baseUrl, getToken: () => token });
  });

  afterAll(async () => {
    await service?.dispose();
  });

  it('a 400 is a ValidationError naming each bad field', async () => {
    const error = await client.createSession({ title: '', initialDuration: 0, dailyGoalMinutes: 60 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const fields = Object.keys((error as ValidationError).errors).map((f) => f.toLowerCase());
    expect(fields).toEqual(expect.arrayContaining(['title', 'initialduration']));
  });

  it('a 412 on a stale version is a StaleVersionError carrying the current session', async () => {
    const created = await client.createSession({ title: 'Write', initialDuration: 1500, dailyGoalMinutes: 60 });
    const started = await client.start(created.id, { baseVersion: created.version });

    const error = await client.pause(created.id, { baseVersion: created.version }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StaleVersionError);
    const current = (error as StaleVersionError).current;
    expect([current.id, current.version, current.state]).toEqual([created.id, started.version, 'RUNNING']);
  });

  it('settings saved on a stale settingsETag are a StaleSettingsError carrying the current user', async () => {
    const shown = await client.me();
    const changed = await client.updateMe({ timeZone: 'Asia/Tokyo' }, { ifMatch: shown.settingsETag });

    const error = await client.updateMe({ weekStart: 'sunday' }, { ifMatch: shown.settingsETag }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StaleSettingsError);
    const current = (error as StaleSettingsError).current;
    expect([current.timeZone, current.weekStart, current.settingsETag]).toEqual(['Asia/Tokyo', changed.weekStart, changed.settingsETag]);
  });

  it('a 410 from the change feed is a FeedGoneError with the current seq', async () => {
    const { seq } = await client.listSessions();

    const error = await client.changes(seq + 10).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FeedGoneError);
    expect((error as FeedGoneError).seq).toBe(seq);
  });

  it('a timed action applies at its `at` and a replayed idempotency key changes nothing', async () => {
    const created = await client.createSession({ title: 'Read', initialDuration: 600, dailyGoalMinutes: 30 });
    const startedAt = (await client.start(created.id)).appliedAtMs!;
    // Acted at the very instant it started: the run credits nothing, however late the operation arrives.
    const operation = { idempotencyKey: newUid(), kind: 'pause' as const, sessionId: created.id, at: startedAt };

    const first = await client.sync([operation]);
    const again = await client.sync([operation]);

    expect(first.results[0]).toMatchObject({ status: 200, appliedAtMs: startedAt });
    expect(first.results[0]?.session).toMatchObject({ state: 'PAUSED', focusSeconds: 0 });
    expect(again.seq).toBe(first.seq);
    expect(again.results[0]?.session?.version).toBe(first.results[0]?.session?.version);
  });
});
