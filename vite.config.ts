import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const from = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Vitest configuration. Property tests run many cases, so the default 5 s timeout is raised;
// this is a ceiling against hangs, not a speed assertion.
export default defineConfig({
  // Tests and examples import the package by its name; run them against the sources.
  // test/package.test.ts checks the built package separately.
  resolve: {
    alias: {
      'mluvii-state/machines': from('./machines/index.ts'),
      'mluvii-state/fastify': from('./src/adapters/http/fastifyPlugin.ts'),
      'mluvii-state': from('./src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
