import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engine tests load WASM models; two cores, so keep files from all starting at once.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
