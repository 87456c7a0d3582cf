import { describe, it } from 'vitest';
import { servicesRequired } from './service.js';

/** host:port of the Firebase Auth emulator the tests may use (started by .ci/run), if any. */
export const firebaseEmulator = process.env['FOCUSSYNC_TEST_FIREBASE_EMULATOR'] || undefined;

export interface EmulatorUser {
  readonly uid: string;
  readonly email: string;
  readonly idToken: string;
}

/**
 * Runs `suite` against the Firebase Auth emulator. Without FOCUSSYNC_TEST_FIREBASE_EMULATOR it is skipped, or, with
 * FOCUSSYNC_REQUIRE_SERVICES=1, fails: a missing service must not pass unnoticed.
 */
export function withFirebaseEmulator(name: string, suite: (host: string) => void): void {
  if (firebaseEmulator !== undefined) {
    describe(name, () => suite(firebaseEmulator));
  } else if (servicesRequired) {
    it(name, () => {
      throw new Error('FOCUSSYNC_TEST_FIREBASE_EMULATOR is not set and FOCUSSYNC_REQUIRE_SERVICES=1');
    });
  } else {
    describe.skip(`${name}: FOCUSSYNC_TEST_FIREBASE_EMULATOR is not set`, () => suite(''));
  }
}

/** A new email-and-password user of the emulator, signed in: its uid and ID token (the emulator takes any API key). */
export async function signUp(host: string): Promise<EmulatorUser> {
  const email = `ts-${crypto.randomUUID()}@example.com`;
  const response = await fetch(`http://${host}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=any`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse battery staple', returnSecureToken: true }),
  });
  if (!response.ok) throw new Error(`The Firebase Auth emulator refused the sign-up (${response.status}): ${await response.text()}`);
  const account = (await response.json()) as { localId: string; idToken: string };
  return { uid: account.localId, email, idToken: account.idToken };
}
