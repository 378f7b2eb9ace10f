import { defineConfig } from 'vitest/config';

// Every test file gets its own fresh database (see test/helpers/database.ts):
// a new database on the PostgreSQL server named by DATABASE_URL, or otherwise a
// copy of a pre-initialised embedded PGlite data directory.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that assert on latency run afterwards, alone (vitest.timing.config.ts): beside three other
    // test files on two cores, a healthy server misses 100 ms for reasons that are not its own.
    exclude: ['**/node_modules/**', 'test/**/*.timing.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 4, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
