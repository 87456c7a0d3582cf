import { describe, it } from 'vitest';
import { postgres, servicesRequired, type Provider } from './service.js';

/**
 * Runs `suite` against each database provider. Without FOCUSSYNC_TEST_POSTGRES the PostgreSQL run is skipped, or,
 * with FOCUSSYNC_REQUIRE_SERVICES=1, fails: a missing service must not pass unnoticed.
 */
export function eachProvider(name: string, suite: (provider: Provider) => void): void {
  describe(`${name} (SQLite)`, () => suite('sqlite'));
  if (postgres !== undefined) {
    describe(`${name} (PostgreSQL)`, () => suite('postgres'));
  } else if (servicesRequired) {
    it(`${name} (PostgreSQL)`, () => {
      throw new Error('FOCUSSYNC_TEST_POSTGRES is not set and FOCUSSYNC_REQUIRE_SERVICES=1');
    });
  } else {
    describe.skip(`${name} (PostgreSQL): FOCUSSYNC_TEST_POSTGRES is not set`, () => suite('postgres'));
  }
}
