import { defineConfig } from 'vitest/config';

// VITEST_JUNIT names a file for a JUnit XML report beside the console's, for CI to count the results.
const junit = process.env['VITEST_JUNIT'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    reporters: junit ? ['default', 'junit'] : ['default'],
    ...(junit ? { outputFile: { junit } } : {}),
  },
});
