import { defineConfig } from 'vitest/config';
import { resolveFromSource } from '../../vitest.source.js';

export default defineConfig({
  ...resolveFromSource,
  test: {
    include: ['src/**/*.test.ts'],
    // The CI machine has 2 slow cores; the real-MNIST and embedded tests parse tens of MB.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests never download: `auto` stays offline unless a test opts in with `offline: false`
    // and a 127.0.0.1 mirror, and the setup file refuses any other fetch.
    env: { VAE_OFFLINE: '1' },
    setupFiles: ['./test-support/no-internet.ts'],
  },
});
