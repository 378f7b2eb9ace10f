import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The latency tests (`*.timing.test.ts`), one file at a time after the rest of `npm test`.
// Spread, not mergeConfig: mergeConfig concatenates `include`, which would run the whole suite again.
export default defineConfig({
  test: {
    ...base.test,
    include: ['test/**/*.timing.test.ts'],
    exclude: ['**/node_modules/**'],
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
  },
});
