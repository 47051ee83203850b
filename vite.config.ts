import { defineConfig } from 'vitest/config';

// Vitest configuration. Property tests run many cases, so the default 5 s timeout is raised;
// this is a ceiling against hangs, not a speed assertion.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
