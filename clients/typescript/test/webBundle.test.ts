import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without type declarations
import { bundleWeb, bundlePath } from '../scripts/webBundle.mjs';

describe('the web app bundle', () => {
  it('is what the sources build now: run `npm run build:web` after changing them', async () => {
    const committed = await readFile(bundlePath as string, 'utf8');
    expect(committed === (await (bundleWeb as () => Promise<string>)())).toBe(true);
  });
});
