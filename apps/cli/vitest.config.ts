import { defineConfig } from 'vitest/config';
import { resolveFromSource } from '../../vitest.source.js';

export default defineConfig({
  ...resolveFromSource,
  test: {
    // The end-to-end tests run the built CLI (turbo builds it first) and train real models.
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
