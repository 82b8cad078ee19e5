import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start real engines (broker, PGlite, chDB, workerd, deno); two cores, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/setup/global.ts'],
  },
});
