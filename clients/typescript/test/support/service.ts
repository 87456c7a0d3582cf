import { spawn, type ChildProcess } from 'node:child_process';
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectDir = fileURLToPath(new URL('../../../../src/FocusSync.Api', import.meta.url));
const dll = join(projectDir, 'bin', 'Debug', 'net10.0', 'FocusSync.Api.dll');

export type Provider = 'sqlite' | 'postgres';

/** A `demo-` project: the emulator then never reaches a real Firebase project. */
export const emulatorProjectId = 'demo-focussync';

/** The providers to run against: SQLite always, PostgreSQL when FOCUSSYNC_TEST_POSTGRES names one. */
export const postgres = process.env['FOCUSSYNC_TEST_POSTGRES'];
export const servicesRequired = process.env['FOCUSSYNC_REQUIRE_SERVICES'] === '1';

// One PostgreSQL database per test run, made by the service's own migrations; each test works as its own users.
const postgresDatabase = `focussync_ts_${process.pid}_${Date.now()}`;

function postgresConnection(): string {
  const parts = (postgres ?? '').split(';').filter((p) => p.trim() !== '' && !/^\s*database\s*=/i.test(p));
  return [...parts, `Database=${postgresDatabase}`].join(';');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export interface ServiceOptions {
  /**
   * host:port of a Firebase Auth emulator to trust instead of the development sign-in: the service then runs in
   * Firebase mode for the emulator's project, and only the emulator's ID tokens sign in (test/support/emulator.ts).
   */
  readonly firebaseEmulator?: string;
}

/**
 * The service as a child process (ASPNETCORE_ENVIRONMENT=Development: development sign-in) on its own port and
 * database, with a signing key the test knows, so that it can mint tokens of any lifetime; it can be stopped and
 * started again on the same port and database, as a crash and a restart would.
 */
export class Service {
  readonly baseUrl: string;
  private process: ChildProcess | null = null;
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'focussync-ts-'));

  private constructor(
    readonly provider: Provider,
    readonly port: number,
    private readonly options: ServiceOptions,
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  static async start(provider: Provider, options: ServiceOptions = {}): Promise<Service> {
    const service = new Service(provider, await freePort(), options);
    await service.restart();
    return service;
  }

  async restart(): Promise<void> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ASPNETCORE_ENVIRONMENT: 'Development',
      Auth__DevelopmentSigningKey: this.key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      Database__Provider: this.provider === 'postgres' ? 'Postgres' : 'Sqlite',
      ConnectionStrings__Default:
        this.provider === 'postgres' ? postgresConnection() : `Data Source=${join(this.dataDir, 'focussync.db')}`,
      // Tests act fast as one user; the limits have their own tests in the service.
      RateLimits__PermitsPerSecond: '1000',
      RateLimits__Burst: '1000',
      ...(this.options.firebaseEmulator === undefined
        ? {}
        : {
            FIREBASE_AUTH_EMULATOR_HOST: this.options.firebaseEmulator,
            Auth__Mode: 'Firebase',
            Auth__Firebase__ProjectId: emulatorProjectId,
          }),
    };
    const child = spawn('dotnet', [dll, '--urls', this.baseUrl], { cwd: projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.process = child;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || output.includes('Unhandled exception')) {
        await this.stop();
        throw new Error(`The service did not start:\n${output}`);
      }
      try {
        if ((await fetch(`${this.baseUrl}/health/live`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`The service did not start within 2 minutes:\n${output}`);
  }

  /** Ends the process, as a crash would, and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A token shaped like the service's development tokens, signed with its key, valid from `issuedAtMs` for `lifetimeMs`. */
  mint(uid: string, issuedAtMs = Date.now(), lifetimeMs = 3_600_000): string {
    const iat = Math.floor(issuedAtMs / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS256', kid: 'focussync-dev', typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        iss: 'https://securetoken.google.com/focussync-dev',
        aud: 'focussync-dev',
        sub: uid,
        user_id: uid,
        auth_time: iat,
        iat,
        exp: iat + Math.floor(lifetimeMs / 1000),
        firebase: { identities: {}, sign_in_provider: 'custom' },
      }),
    );
    const signer = createSign('RSA-SHA256');
    signer.update(`${header}.${payload}`);
    return `${header}.${payload}.${signer.sign(this.key.privateKey).toString('base64url')}`;
  }

  /** A token from the service's own development sign-in, POST /dev/token. */
  async devToken(uid: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}/dev/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ uid, name: uid, email: `${uid}@example.com` }),
    });
    return ((await response.json()) as { token: string }).token;
  }
}

export const newUid = (): string => `ts-${randomUUID()}`;
